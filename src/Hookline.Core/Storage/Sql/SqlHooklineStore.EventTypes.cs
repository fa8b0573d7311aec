using System.Data.Common;
using Hookline.Core.Model;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
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
