using System.Data.Common;
using System.Text.Json;
using Hookline.Core.Model;
using static Hookline.Core.Storage.Sql.SqlCommands;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    /// <summary>
    /// A write that changes sources or their tokens. Ingest tokens are looked up on every request an
    /// ingest URL receives and served from memory for <see cref="ReadCacheLifetime"/>; another node's
    /// change (a deleted source, an expired token) is seen after at most the lifetime.
    /// </summary>
    private Task<T> InvalidatingTokensAsync<T>(Func<Task<T>> write) => InvalidatingAsync(write, _sourceTokenCache.Clear);

    /// <summary>A source; its configuration (the verifier's secret) is sealed at rest (<see cref="SecretProtector"/>).</summary>
    private Source ReadSource(DbDataReader r) => new()
    {
        Id = r.Text("id")!,
        Uid = r.Text("uid"),
        Name = r.Text("name")!,
        Type = r.Text("type")!,
        ConfigJson = SecretProtector.Unprotect(r.Text("config") ?? "{}"),
        Metadata = r.StringMap("metadata"),
        AppId = r.Text("app_id")!,
        CreatedAt = r.Time("created_at"),
        UpdatedAt = r.Time("updated_at"),
    };

    private static IngestRequestRecord ReadIngestRequest(DbDataReader r) => new()
    {
        Id = r.Text("id")!,
        SourceId = r.Text("source_id")!,
        ReceivedAt = r.Time("received_at"),
        Outcome = (IngestOutcome)r.Long("outcome"),
        StatusCode = (int)r.Long("status_code"),
        ErrorText = r.Text("error_text") ?? "",
        DedupeKey = r.Text("dedupe_key"),
        Headers = JsonSerializer.Deserialize<KeyValuePair<string, string>[]>(r.Text("headers") ?? "[]") ?? [],
        Body = r.Bytes("body") ?? [],
        MessageId = r.Text("msg_id"),
    };

    private (string, object?)[] SourceParameters(Source s) =>
    [
        ("@id", s.Id), ("@uid", s.Uid), ("@name", s.Name), ("@type", s.Type), ("@config", SecretProtector.Protect(s.ConfigJson)),
        ("@metadata", ToJson(s.Metadata)), ("@app", s.AppId), ("@created", s.CreatedAt), ("@updated", s.UpdatedAt),
    ];

    public Task CreateSourceAsync(Source source, string token, CancellationToken cancellationToken) =>
        WriteUniqueAsync("uid", $"A source with uid '{source.Uid}' already exists.", async (c, t) =>
        {
            await c.ExecuteAsync(t,
                "INSERT INTO sources (id, uid, name, type, config, metadata, app_id, created_at, updated_at) VALUES (@id, @uid, @name, @type, @config, @metadata, @app, @created, @updated)",
                cancellationToken, SourceParameters(source));
            return await c.ExecuteAsync(t, InsertTokenSql, cancellationToken, TokenParameters(token, source.Id));
        }, cancellationToken);

    /// <summary>
    /// A token is stored as its lookup key (a keyed hash, the primary key ingest requests are matched
    /// on) beside its sealed value (read back only for the source's ingest URL). Without sealing
    /// (<see cref="SecretProtector.None"/>) the key is the token itself and nothing is sealed.
    /// </summary>
    private const string InsertTokenSql = "INSERT INTO source_tokens (token, sealed, source_id, expires_at) VALUES (@token, @sealed, @source, NULL)";

    private (string, object?)[] TokenParameters(string token, string sourceId) =>
    [
        ("@token", SecretProtector.LookupKey(token)),
        ("@sealed", SecretProtector.Seals ? SecretProtector.Protect(token) : null),
        ("@source", sourceId),
    ];

    public Task<Source?> GetSourceAsync(string idOrUid, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null, "SELECT * FROM sources WHERE id = @key OR uid = @key ORDER BY CASE WHEN id = @key THEN 0 ELSE 1 END LIMIT 1",
            ReadSource, cancellationToken, ("@key", idOrUid)), cancellationToken);

    public Task<Source?> GetSourceByTokenAsync(string token, DateTimeOffset now, CancellationToken cancellationToken) =>
        _sourceTokenCache.GetAsync(token, () => ReadAsync(c => c.QuerySingleAsync(null,
            // A row still in clear (written before sealing, until the start-up step seals it) matches the
            // token itself; a sealed row only its lookup key, so a lookup key read from the database is
            // no ingest token.
            "SELECT s.* FROM source_tokens t JOIN sources s ON s.id = t.source_id " +
            "WHERE (t.token = @key OR (t.token = @token AND t.sealed IS NULL)) AND (t.expires_at IS NULL OR t.expires_at > @now)",
            ReadSource, cancellationToken, ("@key", SecretProtector.LookupKey(token)), ("@token", token), ("@now", now)), cancellationToken));

    public Task<string?> GetCurrentSourceTokenAsync(string sourceId, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null, "SELECT token, sealed FROM source_tokens WHERE source_id = @source AND expires_at IS NULL",
            r => r.Text("sealed") is { } sealedToken ? SecretProtector.Unprotect(sealedToken) : r.Text("token")!, cancellationToken, ("@source", sourceId)), cancellationToken);

    public Task<Page<Source>> ListSourcesAsync(ListQuery query, CancellationToken cancellationToken) =>
        PageAsync("SELECT * FROM sources", "1 = 1", "id", query, ReadSource, s => s.Id, cancellationToken);

    public async Task<bool> UpdateSourceAsync(Source source, CancellationToken cancellationToken) =>
        await InvalidatingTokensAsync(() => WriteUniqueAsync("uid", $"A source with uid '{source.Uid}' already exists.", (c, t) => c.ExecuteAsync(t,
            "UPDATE sources SET uid = @uid, name = @name, type = @type, config = @config, metadata = @metadata, updated_at = @updated WHERE id = @id",
            cancellationToken, SourceParameters(source)), cancellationToken)) > 0;

    public async Task<bool> DeleteSourceAsync(string id, CancellationToken cancellationToken)
    {
        var source = await GetSourceAsync(id, cancellationToken);
        if (source is null || source.Id != id)
        {
            return false;
        }
        await InvalidatingTokensAsync(() => WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(t, "DELETE FROM ingest_requests WHERE source_id = @id", cancellationToken, ("@id", id));
            await c.ExecuteAsync(t, "DELETE FROM source_tokens WHERE source_id = @id", cancellationToken, ("@id", id));
            return await c.ExecuteAsync(t, "DELETE FROM sources WHERE id = @id", cancellationToken, ("@id", id));
        }, cancellationToken));
        // The hidden application goes with its endpoints, messages and attempts.
        await DeleteApplicationAsync(source.AppId, cancellationToken);
        return true;
    }

    public Task RotateSourceTokenAsync(string sourceId, string newToken, DateTimeOffset oldExpiresAt, CancellationToken cancellationToken) =>
        InvalidatingTokensAsync(() => WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(t, "UPDATE source_tokens SET expires_at = @expires WHERE source_id = @source AND expires_at IS NULL",
                cancellationToken, ("@expires", oldExpiresAt), ("@source", sourceId));
            // Tokens that already ran out are of no further use.
            await c.ExecuteAsync(t, "DELETE FROM source_tokens WHERE source_id = @source AND expires_at <= @now",
                cancellationToken, ("@source", sourceId), ("@now", Time.GetUtcNow()));
            return await c.ExecuteAsync(t, InsertTokenSql, cancellationToken, TokenParameters(newToken, sourceId));
        }, cancellationToken));

    public Task InsertIngestRequestAsync(IngestRequestRecord record, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            await using var insert = IngestRequestInsert(c, t);
            BindIngestRequest(insert, record, record.MessageId);
            return await insert.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<Page<IngestRequestRecord>> ListIngestRequestsAsync(string sourceId, ListQuery query, CancellationToken cancellationToken) =>
        PageAsync("SELECT * FROM ingest_requests", "source_id = @source", "id", query, ReadIngestRequest, r => r.Id, cancellationToken, ("@source", sourceId));

    public Task<IngestRequestRecord?> GetIngestRequestAsync(string sourceId, string requestId, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null, "SELECT * FROM ingest_requests WHERE source_id = @source AND id = @id",
            ReadIngestRequest, cancellationToken, ("@source", sourceId), ("@id", requestId)), cancellationToken);

    private static DbCommand IngestRequestInsert(DbConnection c, DbTransaction t) => c.Command(t,
        "INSERT INTO ingest_requests (id, source_id, received_at, outcome, status_code, error_text, dedupe_key, headers, body, msg_id) " +
        "VALUES (@id, @source, @received, @outcome, @status, @error, @dedupe, @headers, @body, @msg) " +
        // Only accepted rows are in the dedupe index; a second accepted row for a key inserts nothing.
        "ON CONFLICT (source_id, dedupe_key) WHERE outcome = 0 DO NOTHING");

    private static void BindIngestRequest(DbCommand insert, IngestRequestRecord record, string? messageId)
    {
        insert.Bind(
        [
            ("@id", record.Id), ("@source", record.SourceId), ("@received", record.ReceivedAt), ("@outcome", record.Outcome),
            ("@status", record.StatusCode), ("@error", record.ErrorText), ("@dedupe", record.DedupeKey),
            ("@headers", ToJson(record.Headers)), ("@body", record.Body), ("@msg", messageId),
        ]);
    }

    /// <summary>
    /// Inside a message batch: writes the log entry of an ingest request. Returns the first message's
    /// id when the source already accepted this dedupe key (then the entry is logged as a duplicate and
    /// no message is written), else null.
    /// </summary>
    /// <remarks>
    /// The insert itself is the dedupe check (the unique index on accepted keys, <c>ON CONFLICT DO
    /// NOTHING</c>): one statement on the common path inside the writer's transaction, and on
    /// PostgreSQL a concurrent node committing the same key makes this insert wait and then do
    /// nothing, instead of failing the whole batch with a unique violation as a look-up-then-insert
    /// would.
    /// </remarks>
    private static async Task<string?> InsertIngestEntryAsync(DbConnection c, DbTransaction t, DbCommand insert, IngestRequestRecord record, string messageId, CancellationToken cancellationToken)
    {
        BindIngestRequest(insert, record with { Outcome = IngestOutcome.Accepted }, messageId);
        if (await insert.ExecuteNonQueryAsync(cancellationToken) > 0 || record.DedupeKey is null)
        {
            return null;
        }
        var first = (string?)await c.ScalarAsync(t,
            "SELECT msg_id FROM ingest_requests WHERE source_id = @source AND dedupe_key = @dedupe AND outcome = 0",
            cancellationToken, ("@source", record.SourceId), ("@dedupe", record.DedupeKey))
            ?? throw new InvalidOperationException($"Ingest request {record.Id} conflicted on its dedupe key, yet no accepted request holds it.");
        BindIngestRequest(insert, record with { Outcome = IngestOutcome.Duplicate }, first);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return first;
    }
}
