using System.Data.Common;
using System.Text.Json;
using Hookline.Core.Model;
using static Hookline.Core.Storage.Sql.SqlCommands;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    private sealed record StoredSecret(string Key, long? ExpiresAt);

    private Endpoint ReadEndpoint(DbDataReader r) => ReadEndpoint(r, "");

    /// <summary>
    /// Reads an endpoint whose columns may carry a prefix (joined queries alias them <c>e_…</c>).
    /// Headers and secrets are sealed at rest (<see cref="SecretProtector"/>); opening is memoised, so the
    /// claims that read an endpoint with every delivery open each sealed value once.
    /// </summary>
    private Endpoint ReadEndpoint(DbDataReader r, string prefix) => new()
    {
        Id = r.Text(prefix + "id")!,
        AppId = r.Text(prefix + "app_id")!,
        Uid = r.Text(prefix + "uid"),
        Url = r.Text(prefix + "url")!,
        Description = r.Text(prefix + "description") ?? "",
        EventTypes = r.StringList(prefix + "event_types"),
        Channels = r.StringList(prefix + "channels"),
        ThrottleRate = r.NullableInt(prefix + "throttle_rate"),
        Disabled = r.Bool(prefix + "disabled"),
        Metadata = r.StringMap(prefix + "metadata"),
        Headers = JsonSerializer.Deserialize<Dictionary<string, string>>(SecretProtector.Unprotect(r.Text(prefix + "headers") ?? "{}")) ?? [],
        Secrets = (JsonSerializer.Deserialize<StoredSecret[]>(SecretProtector.Unprotect(r.Text(prefix + "secrets")!)) ?? [])
            .Select(s => new EndpointSecret(s.Key, s.ExpiresAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null))
            .ToArray(),
        Ordered = r.Bool(prefix + "ordered"),
        MaxConcurrency = r.NullableInt(prefix + "max_concurrency"),
        FailingSince = r.NullableTime(prefix + "failing_since"),
        CreatedAt = r.Time(prefix + "created_at"),
        UpdatedAt = r.Time(prefix + "updated_at"),
    };

    /// <summary>Endpoint columns aliased with an <c>e_</c> prefix, for joins.</summary>
    protected const string EndpointColumnsAliased =
        "e.id AS e_id, e.app_id AS e_app_id, e.uid AS e_uid, e.url AS e_url, e.description AS e_description, e.event_types AS e_event_types, " +
        "e.channels AS e_channels, e.throttle_rate AS e_throttle_rate, e.disabled AS e_disabled, e.metadata AS e_metadata, e.headers AS e_headers, " +
        "e.secrets AS e_secrets, e.ordered AS e_ordered, e.max_concurrency AS e_max_concurrency, e.failing_since AS e_failing_since, " +
        "e.created_at AS e_created_at, e.updated_at AS e_updated_at";

    private (string, object?)[] EndpointParameters(Endpoint e) =>
    [
        ("@id", e.Id), ("@app", e.AppId), ("@uid", e.Uid), ("@url", e.Url), ("@description", e.Description),
        ("@types", ToJsonOrNull(e.EventTypes)), ("@channels", ToJsonOrNull(e.Channels)), ("@rate", e.ThrottleRate),
        ("@disabled", e.Disabled), ("@metadata", ToJson(e.Metadata)), ("@headers", SecretProtector.Protect(ToJson(e.Headers))),
        ("@secrets", SecretProtector.Protect(ToJson(e.Secrets.Select(s => new StoredSecret(s.Key, s.ExpiresAt?.ToUnixTimeMilliseconds())).ToArray()))),
        ("@ordered", e.Ordered), ("@concurrency", e.MaxConcurrency), ("@failing", e.FailingSince),
        ("@created", e.CreatedAt), ("@updated", e.UpdatedAt),
    ];

    public Task CreateEndpointAsync(Endpoint endpoint, CancellationToken cancellationToken) =>
        InvalidatingAsync(() => WriteUniqueAsync("uid", $"An endpoint with uid '{endpoint.Uid}' already exists in this application.", (c, t) => c.ExecuteAsync(t,
            "INSERT INTO endpoints (id, app_id, uid, url, description, event_types, channels, throttle_rate, disabled, metadata, headers, secrets, ordered, max_concurrency, failing_since, created_at, updated_at) " +
            "VALUES (@id, @app, @uid, @url, @description, @types, @channels, @rate, @disabled, @metadata, @headers, @secrets, @ordered, @concurrency, @failing, @created, @updated)",
            cancellationToken, EndpointParameters(endpoint)), cancellationToken), endpoint.AppId);

    public Task<Endpoint?> GetEndpointAsync(string appId, string idOrUid, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null,
            "SELECT * FROM endpoints WHERE app_id = @app AND (id = @key OR uid = @key) ORDER BY CASE WHEN id = @key THEN 0 ELSE 1 END LIMIT 1",
            ReadEndpoint, cancellationToken, ("@app", appId), ("@key", idOrUid)), cancellationToken);

    public Task<Page<Endpoint>> ListEndpointsAsync(string appId, ListQuery query, CancellationToken cancellationToken) =>
        PageAsync("SELECT * FROM endpoints", "app_id = @app", "id", query, ReadEndpoint, e => e.Id, cancellationToken, ("@app", appId));

    public Task<IReadOnlyList<Endpoint>> GetAllEndpointsAsync(string appId, CancellationToken cancellationToken) =>
        _endpointCache.GetAsync(appId, async () => (IReadOnlyList<Endpoint>)await ReadAsync(c => c.QueryAsync(null, "SELECT * FROM endpoints WHERE app_id = @app ORDER BY id", ReadEndpoint, cancellationToken, ("@app", appId)), cancellationToken));

    public async Task<bool> UpdateEndpointAsync(Endpoint endpoint, CancellationToken cancellationToken) =>
        await InvalidatingAsync(() => WriteUniqueAsync("uid", $"An endpoint with uid '{endpoint.Uid}' already exists in this application.", (c, t) => c.ExecuteAsync(t,
            "UPDATE endpoints SET uid = @uid, url = @url, description = @description, event_types = @types, channels = @channels, throttle_rate = @rate, " +
            "disabled = @disabled, metadata = @metadata, headers = @headers, secrets = @secrets, ordered = @ordered, max_concurrency = @concurrency, " +
            "failing_since = CASE WHEN @disabled = 0 AND disabled = 1 THEN NULL ELSE failing_since END, updated_at = @updated " +
            "WHERE id = @id AND app_id = @app",
            cancellationToken, EndpointParameters(endpoint)), cancellationToken), endpoint.AppId) > 0;

    public Task<bool> DeleteEndpointAsync(string appId, string endpointId, CancellationToken cancellationToken) =>
        InvalidatingAsync(() => WriteAsync(async (c, t) =>
        {
            // Attempts stay (they are history); deliveries that can no longer happen go.
            await c.ExecuteAsync(t, "DELETE FROM deliveries WHERE endpoint_id = @id AND app_id = @app", cancellationToken, ("@id", endpointId), ("@app", appId));
            await c.ExecuteAsync(t, "DELETE FROM delivery_rollups WHERE endpoint_id = @id AND app_id = @app", cancellationToken, ("@id", endpointId), ("@app", appId));
            return await c.ExecuteAsync(t, "DELETE FROM endpoints WHERE id = @id AND app_id = @app", cancellationToken, ("@id", endpointId), ("@app", appId)) > 0;
        }, cancellationToken), appId);
}
