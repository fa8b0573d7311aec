using System.Data.Common;
using Hookline.Core.Model;
using static Hookline.Core.Storage.Sql.SqlCommands;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    private static readonly string[] ApplicationTables = ["attempts", "deliveries", "message_channels", "message_tags", "messages", "endpoints", "app_tokens", "delivery_rollups"];

    private static Application ReadApplication(DbDataReader r) => new()
    {
        Id = r.Text("id")!,
        Uid = r.Text("uid"),
        Name = r.Text("name")!,
        ThrottleRate = r.NullableInt("throttle_rate"),
        Metadata = r.StringMap("metadata"),
        Kind = (ApplicationKind)r.Long("kind"),
        CreatedAt = r.Time("created_at"),
        UpdatedAt = r.Time("updated_at"),
    };

    public Task CreateApplicationAsync(Application application, CancellationToken cancellationToken) =>
        InvalidatingAsync(() => WriteUniqueAsync("uid", $"An application with uid '{application.Uid}' already exists.", (c, t) => c.ExecuteAsync(t,
            "INSERT INTO applications (id, uid, name, throttle_rate, metadata, kind, created_at, updated_at) VALUES (@id, @uid, @name, @rate, @metadata, @kind, @created, @updated)",
            cancellationToken,
            ("@id", application.Id), ("@uid", application.Uid), ("@name", application.Name), ("@rate", application.ThrottleRate),
            ("@metadata", ToJson(application.Metadata)), ("@kind", application.Kind), ("@created", application.CreatedAt), ("@updated", application.UpdatedAt)),
            cancellationToken), application.Id);

    public Task<Application?> GetApplicationAsync(string idOrUid, CancellationToken cancellationToken) =>
        _applicationCache.GetAsync(idOrUid, () => ReadAsync(c => c.QuerySingleAsync(null, "SELECT * FROM applications WHERE id = @key OR uid = @key ORDER BY CASE WHEN id = @key THEN 0 ELSE 1 END LIMIT 1", ReadApplication, cancellationToken, ("@key", idOrUid)), cancellationToken));

    public Task<Page<Application>> ListApplicationsAsync(ListQuery query, string? search, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(search)
            ? PageAsync("SELECT * FROM applications", "kind = 0", "id", query, ReadApplication, a => a.Id, cancellationToken)
            // Applications are few next to messages; a search reads them all (LOWER on both sides: LIKE
            // ignores case on SQLite but not on PostgreSQL).
            : PageAsync("SELECT * FROM applications", "kind = 0 AND (id = @search OR uid = @search OR LOWER(name) LIKE LOWER(@pattern) ESCAPE '\\')",
                "id", query, ReadApplication, a => a.Id, cancellationToken, ("@search", search), ("@pattern", ContainsPattern(search)));

    public async Task<bool> UpdateApplicationAsync(Application application, CancellationToken cancellationToken) =>
        await InvalidatingAsync(() => WriteUniqueAsync("uid", $"An application with uid '{application.Uid}' already exists.", (c, t) => c.ExecuteAsync(t,
            "UPDATE applications SET uid = @uid, name = @name, throttle_rate = @rate, metadata = @metadata, updated_at = @updated WHERE id = @id",
            cancellationToken,
            ("@id", application.Id), ("@uid", application.Uid), ("@name", application.Name), ("@rate", application.ThrottleRate),
            ("@metadata", ToJson(application.Metadata)), ("@updated", application.UpdatedAt)),
            cancellationToken), application.Id) > 0;

    public Task<bool> DeleteApplicationAsync(string id, CancellationToken cancellationToken) =>
        InvalidatingAsync(() => WriteAsync(async (c, t) =>
        {
            foreach (var table in ApplicationTables)
            {
                // deliveries has no app_id index (one would cost every write to the busiest table), so
                // "app_id = @id" would scan all of it; a delivery's message is always of the same
                // application, and msg_id leads the deliveries' unique index.
                var where = table == "deliveries" ? "msg_id IN (SELECT id FROM messages WHERE app_id = @id)" : "app_id = @id";
                await c.ExecuteAsync(t, $"DELETE FROM {table} WHERE {where}", cancellationToken, ("@id", id));
            }
            return await c.ExecuteAsync(t, "DELETE FROM applications WHERE id = @id", cancellationToken, ("@id", id)) > 0;
        }, cancellationToken), id);
}
