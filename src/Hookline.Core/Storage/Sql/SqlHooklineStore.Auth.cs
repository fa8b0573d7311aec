namespace Hookline.Core.Storage.Sql;

/// <summary>Settings (e.g. the admin token hash) and application tokens: the small shared state every node reads to authenticate.</summary>
public abstract partial class SqlHooklineStore
{
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
}
