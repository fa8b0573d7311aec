using System.Data.Common;
using Hookline.Core.Model;
using static Hookline.Core.Storage.Sql.SqlCommands;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    /// <summary>
    /// The WHERE fragment (empty without an iterator) and ORDER BY for a page over <paramref name="key"/>,
    /// binding <c>@iterator</c> and <c>@limit</c> (limit + 1 rows: the extra one says whether more follow).
    /// </summary>
    protected static (string Where, string OrderBy) PageClause(ListQuery query, string key, DbCommand command)
    {
        var descending = query.Descending ^ query.IsPrevious;
        command.AddParameter("@limit", (long)query.Limit + 1);
        var order = $" ORDER BY {key} {(descending ? "DESC" : "ASC")} LIMIT @limit";
        if (query.IteratorKey is not { Length: > 0 } iterator)
        {
            return ("", order);
        }
        command.AddParameter("@iterator", iterator);
        return ($" AND {key} {(descending ? "<" : ">")} @iterator", order);
    }

    protected async Task<Page<T>> PageAsync<T>(string select, string where, string key, ListQuery query, Func<DbDataReader, T> map, Func<T, string> keyOf, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.Command(null, "", parameters);
        var (pageWhere, order) = PageClause(query, key, command);
        command.CommandText = $"{select} WHERE {where}{pageWhere}{order}";
        var rows = new List<T>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(map(reader));
            }
        }
        return Pages.From(rows, query, keyOf);
    }

    private static readonly string[] ApplicationTables = ["attempts", "deliveries", "message_channels", "messages", "endpoints", "app_tokens"];

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

    private static EventType ReadEventType(DbDataReader r) => new()
    {
        Name = r.Text("name")!,
        Description = r.Text("description") ?? "",
        SchemasJson = r.Text("schemas"),
        Archived = r.Bool("archived"),
        Deprecated = r.Bool("deprecated"),
        FeatureFlag = r.Text("feature_flag"),
        CreatedAt = r.Time("created_at"),
        UpdatedAt = r.Time("updated_at"),
    };

    public Task CreateEventTypeAsync(EventType eventType, CancellationToken cancellationToken) =>
        WriteUniqueAsync("name", $"An event type named '{eventType.Name}' already exists.", (c, t) => c.ExecuteAsync(t,
            "INSERT INTO event_types (name, description, schemas, archived, deprecated, feature_flag, created_at, updated_at) VALUES (@name, @description, @schemas, @archived, @deprecated, @flag, @created, @updated)",
            cancellationToken, EventTypeParameters(eventType)), cancellationToken);

    public Task<EventType?> GetEventTypeAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null, "SELECT * FROM event_types WHERE name = @name", ReadEventType, cancellationToken, ("@name", name)), cancellationToken);

    public Task<Page<EventType>> ListEventTypesAsync(ListQuery query, bool includeArchived, CancellationToken cancellationToken) =>
        PageAsync("SELECT * FROM event_types", includeArchived ? "1 = 1" : "archived = 0", "name", query, ReadEventType, e => e.Name, cancellationToken);

    public async Task<bool> UpdateEventTypeAsync(EventType eventType, CancellationToken cancellationToken) =>
        await WriteAsync((c, t) => c.ExecuteAsync(t,
            "UPDATE event_types SET description = @description, schemas = @schemas, archived = @archived, deprecated = @deprecated, feature_flag = @flag, updated_at = @updated WHERE name = @name",
            cancellationToken, EventTypeParameters(eventType)), cancellationToken) > 0;

    public async Task<bool> DeleteEventTypeAsync(string name, CancellationToken cancellationToken) =>
        await WriteAsync((c, t) => c.ExecuteAsync(t, "DELETE FROM event_types WHERE name = @name", cancellationToken, ("@name", name)), cancellationToken) > 0;

    private static (string, object?)[] EventTypeParameters(EventType e) =>
    [
        ("@name", e.Name), ("@description", e.Description), ("@schemas", e.SchemasJson), ("@archived", e.Archived),
        ("@deprecated", e.Deprecated), ("@flag", e.FeatureFlag), ("@created", e.CreatedAt), ("@updated", e.UpdatedAt),
    ];
}
