namespace Hookline.Core.Storage.Sql;

/// <summary>Idempotency keys: a request retried with the same key is answered once.</summary>
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
}
