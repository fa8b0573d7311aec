namespace Hookline.Core.Storage.Sql;

/// <summary>Background tasks (endpoint recovery, replaying missing messages), leased so that a dead node's task runs again.</summary>
public abstract partial class SqlHooklineStore
{
    private static BackgroundTask ReadTask(System.Data.Common.DbDataReader r) => new()
    {
        Id = r.Text("id")!,
        Type = r.Text("type")!,
        Status = r.Text("status")!,
        DataJson = r.Text("data") ?? "{}",
        CreatedAt = r.Time("created_at"),
        UpdatedAt = r.Time("updated_at"),
    };

    public Task CreateTaskAsync(BackgroundTask task, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t,
            "INSERT INTO tasks (id, type, status, data, created_at, updated_at, lease_until) VALUES (@id, @type, @status, @data, @created, @updated, 0)",
            cancellationToken, ("@id", task.Id), ("@type", task.Type), ("@status", task.Status), ("@data", task.DataJson), ("@created", task.CreatedAt), ("@updated", task.UpdatedAt)),
            cancellationToken);

    public Task<BackgroundTask?> GetTaskAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null, "SELECT * FROM tasks WHERE id = @id", ReadTask, cancellationToken, ("@id", id)), cancellationToken);

    public Task<Page<BackgroundTask>> ListTasksAsync(ListQuery query, string? status, string? type, CancellationToken cancellationToken) =>
        PageAsync("SELECT * FROM tasks", "1 = 1" + (status is null ? "" : " AND status = @status") + (type is null ? "" : " AND type = @type"),
            "id", query, ReadTask, t => t.Id, cancellationToken,
            [.. status is null ? Array.Empty<(string, object?)>() : [("@status", status)], .. type is null ? Array.Empty<(string, object?)>() : [("@type", type)]]);

    public Task<BackgroundTask?> ClaimTaskAsync(DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            var task = await c.QuerySingleAsync(t, "SELECT * FROM tasks WHERE status = 'running' AND lease_until <= @now ORDER BY id LIMIT 1" + SkipLockedClause,
                ReadTask, cancellationToken, ("@now", now));
            if (task is not null)
            {
                await c.ExecuteAsync(t, "UPDATE tasks SET lease_until = @until WHERE id = @id", cancellationToken, ("@until", now + lease), ("@id", task.Id));
            }
            return task;
        }, cancellationToken);

    public Task UpdateTaskAsync(string id, string status, string dataJson, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t, "UPDATE tasks SET status = @status, data = @data, updated_at = @now, lease_until = 0 WHERE id = @id",
            cancellationToken, ("@status", status), ("@data", dataJson), ("@now", now), ("@id", id)), cancellationToken);

    public Task SaveTaskProgressAsync(string id, string dataJson, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t, "UPDATE tasks SET data = @data, updated_at = @now, lease_until = @until WHERE id = @id AND status = 'running'",
            cancellationToken, ("@data", dataJson), ("@now", now), ("@until", leaseUntil), ("@id", id)), cancellationToken);
}
