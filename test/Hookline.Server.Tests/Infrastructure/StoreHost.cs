namespace Hookline.Server.Tests.Infrastructure;

/// <summary>
/// A <see cref="HooklineHost"/> on the named store, for API tests that must hold on both:
/// <c>sqlite</c> (a temporary file) or <c>postgres</c> (a schema of its own on the server in
/// <c>HOOKLINE_TEST_POSTGRES</c>, dropped afterwards; skipped without one, failed under <c>CI=true</c>).
/// </summary>
public sealed class StoreHost : IAsyncDisposable
{
    private readonly PostgresTestDatabase? _database;

    private StoreHost(HooklineHost host, PostgresTestDatabase? database)
    {
        Host = host;
        _database = database;
    }

    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public HooklineHost Host { get; }

    public static async Task<StoreHost> StartAsync(string store, IDictionary<string, string?>? settings = null)
    {
        var effective = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        PostgresTestDatabase? database = null;
        if (store == Postgres)
        {
            database = new PostgresTestDatabase();
            await database.EnsureCreatedAsync();
            effective["Hookline:Storage:Provider"] = "postgres";
            effective["Hookline:Storage:ConnectionString"] = database.ConnectionString;
        }
        try
        {
            return new StoreHost(await HooklineHost.StartAsync(effective), database);
        }
        catch
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
