namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    private const string SealedPattern = SecretProtector.ProtectedPrefix + "%";

    /// <summary>
    /// Seals the secret columns of rows written in clear (by a version before sealing, or by a node
    /// without it): endpoint headers and secrets, source configurations, ingest tokens. A SQL migration
    /// cannot call the protector, so the host runs this after <see cref="MigrateAsync"/>. Idempotent:
    /// sealed values carry <see cref="SecretProtector.ProtectedPrefix"/> and are left alone, and each row
    /// is rewritten only if it still holds the clear value read (another node sealing it at the same time,
    /// or an API write in between, wins).
    /// </summary>
    /// <returns>The number of rows sealed.</returns>
    public async Task<int> SealSecretsAsync(CancellationToken cancellationToken)
    {
        if (!SecretProtector.Seals)
        {
            return 0;
        }
        var sealedRows = await InvalidatingAsync(() => WriteAsync(async (c, t) =>
        {
            var sealedRows = 0;
            var endpoints = await c.QueryAsync(t,
                "SELECT id, headers, secrets FROM endpoints WHERE headers NOT LIKE @sealed OR secrets NOT LIKE @sealed",
                r => (Id: r.Text("id")!, Headers: r.Text("headers")!, Secrets: r.Text("secrets")!), cancellationToken, ("@sealed", SealedPattern));
            foreach (var e in endpoints)
            {
                sealedRows += await c.ExecuteAsync(t,
                    "UPDATE endpoints SET headers = @headers, secrets = @secrets WHERE id = @id AND headers = @oldHeaders AND secrets = @oldSecrets",
                    cancellationToken, ("@headers", Seal(e.Headers)), ("@secrets", Seal(e.Secrets)), ("@id", e.Id),
                    ("@oldHeaders", e.Headers), ("@oldSecrets", e.Secrets));
            }
            var sources = await c.QueryAsync(t, "SELECT id, config FROM sources WHERE config NOT LIKE @sealed",
                r => (Id: r.Text("id")!, Config: r.Text("config")!), cancellationToken, ("@sealed", SealedPattern));
            foreach (var s in sources)
            {
                sealedRows += await c.ExecuteAsync(t, "UPDATE sources SET config = @config WHERE id = @id AND config = @old",
                    cancellationToken, ("@config", SecretProtector.Protect(s.Config)), ("@id", s.Id), ("@old", s.Config));
            }
            var tokens = await c.QueryAsync(t, "SELECT token FROM source_tokens WHERE sealed IS NULL",
                r => r.Text("token")!, cancellationToken);
            foreach (var token in tokens)
            {
                sealedRows += await c.ExecuteAsync(t, "UPDATE source_tokens SET token = @key, sealed = @sealedToken WHERE token = @token AND sealed IS NULL",
                    cancellationToken, ("@key", SecretProtector.LookupKey(token)), ("@sealedToken", SecretProtector.Protect(token)), ("@token", token));
            }
            return sealedRows;
        }, cancellationToken), () =>
        {
            _applicationCache.Clear();
            _endpointCache.Clear();
            _sourceTokenCache.Clear();
        });
        if (sealedRows > 0)
        {
            await ForgetOverwrittenAsync(cancellationToken);
        }
        return sealedRows;
    }

    /// <summary>
    /// After rows were sealed in place: removes what the database file may still hold of their clear
    /// values (old page images, freed cells). SQLite overrides it; on a database server this is the
    /// operator's (docs/security.md).
    /// </summary>
    protected virtual Task ForgetOverwrittenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private string Seal(string stored) => SecretProtector.IsProtected(stored) ? stored : SecretProtector.Protect(stored);
}
