using Hookline.Core.Model;

namespace Hookline.Core.Storage.Sql;

/// <summary>Idempotency keys, settings, app tokens and background tasks: the small shared state every node needs.</summary>
public abstract partial class SqlHooklineStore
{
    private const long KeyInProgress = 1;
    private const long KeyCompleted = 2;

    public Task<(IdempotencyState State, IdempotentResponse? Response)> TryAcquireIdempotencyKeyAsync(string keyHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            // An expired key is as good as absent, and so is one whose first request has been "in
            // progress" for over a minute: that node died before answering, so a retry may run.
            await c.ExecuteAsync(t,
                "DELETE FROM idempotency_keys WHERE key_hash = @key AND (expires_at <= @now OR (state = @state AND created_at <= @stale))",
                cancellationToken, ("@key", keyHash), ("@now", now), ("@state", KeyInProgress), ("@stale", now.AddMinutes(-1)));
            var inserted = await c.ExecuteAsync(t,
                "INSERT INTO idempotency_keys (key_hash, state, created_at, expires_at) VALUES (@key, @state, @now, @expires) ON CONFLICT (key_hash) DO NOTHING",
                cancellationToken, ("@key", keyHash), ("@state", KeyInProgress), ("@now", now), ("@expires", expiresAt));
            if (inserted == 1)
            {
                return (IdempotencyState.Acquired, (IdempotentResponse?)null);
            }
            var existing = await c.QueryAsync(t, "SELECT state, status_code, content_type, body FROM idempotency_keys WHERE key_hash = @key",
                r => (State: r.Long("state"), Response: r.Long("state") == KeyCompleted
                    ? new IdempotentResponse((int)r.Long("status_code"), r.Text("content_type"), r.Bytes("body") ?? [])
                    : null),
                cancellationToken, ("@key", keyHash));
            return existing.Count == 1 && existing[0].State == KeyCompleted
                ? (IdempotencyState.Completed, existing[0].Response)
                : (IdempotencyState.InProgress, null);
        }, cancellationToken);

    public Task CompleteIdempotencyKeyAsync(string keyHash, IdempotentResponse response, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t,
            "UPDATE idempotency_keys SET state = @state, status_code = @code, content_type = @type, body = @body WHERE key_hash = @key",
            cancellationToken, ("@state", KeyCompleted), ("@code", response.StatusCode), ("@type", response.ContentType), ("@body", response.Body), ("@key", keyHash)),
            cancellationToken);

    public Task AbandonIdempotencyKeyAsync(string keyHash, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t, "DELETE FROM idempotency_keys WHERE key_hash = @key AND state = @state", cancellationToken, ("@key", keyHash), ("@state", KeyInProgress)), cancellationToken);

    public Task<int> PurgeExpiredIdempotencyKeysAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t, "DELETE FROM idempotency_keys WHERE expires_at <= @now", cancellationToken, ("@now", now)), cancellationToken);

    public Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync(async c => (string?)await c.ScalarAsync(null, "SELECT value FROM settings WHERE name = @name", cancellationToken, ("@name", name)), cancellationToken);

    public Task<string> SetSettingIfAbsentAsync(string name, string value, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(t, "INSERT INTO settings (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING", cancellationToken, ("@name", name), ("@value", value));
            return (string)(await c.ScalarAsync(t, "SELECT value FROM settings WHERE name = @name", cancellationToken, ("@name", name)))!;
        }, cancellationToken);

    public Task SetSettingAsync(string name, string value, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t,
            "INSERT INTO settings (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            cancellationToken, ("@name", name), ("@value", value)), cancellationToken);

    public Task CreateAppTokenAsync(string tokenHash, string appId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t, "INSERT INTO app_tokens (token_hash, app_id, expires_at) VALUES (@hash, @app, @expires)",
            cancellationToken, ("@hash", tokenHash), ("@app", appId), ("@expires", expiresAt)), cancellationToken);

    public Task<string?> GetAppTokenAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync(async c => (string?)await c.ScalarAsync(null, "SELECT app_id FROM app_tokens WHERE token_hash = @hash AND expires_at > @now",
            cancellationToken, ("@hash", tokenHash), ("@now", now)), cancellationToken);

    public Task DeleteAppTokenAsync(string tokenHash, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t, "DELETE FROM app_tokens WHERE token_hash = @hash", cancellationToken, ("@hash", tokenHash)), cancellationToken);

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
}
