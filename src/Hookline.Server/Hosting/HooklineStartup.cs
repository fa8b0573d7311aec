using Hookline.Core.Storage;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Hosting;

/// <summary>
/// Before anything else starts: migrate the store and settle the admin token. Once listening:
/// print the address(es) and where the data lives.
/// </summary>
internal sealed class HooklineStartup : IHostedLifecycleService
{
    private readonly IServiceProvider _services;
    private readonly AdminCredential _admin;
    private readonly IOptions<HooklineServerOptions> _options;
    private readonly StartupConsole _console;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServer _server;

    public HooklineStartup(IServiceProvider services, AdminCredential admin, IOptions<HooklineServerOptions> options, StartupConsole console, IHostApplicationLifetime lifetime, IServer server)
    {
        _services = services;
        _admin = admin;
        _options = options;
        _console = console;
        _lifetime = lifetime;
        _server = server;
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var store = _services.GetRequiredService<IHooklineStore>();
        await store.MigrateAsync(cancellationToken);
        await EnsureAdminTokenAsync(store, cancellationToken);
        _lifetime.ApplicationStarted.Register(Announce);
    }

    /// <summary>
    /// A configured token is used as is (only its hash is kept in memory, never printed). Otherwise a
    /// token is generated and its hash stored if none is yet; racing nodes agree on the stored one,
    /// and only the node whose token won prints it — once, on first start.
    /// </summary>
    private async Task EnsureAdminTokenAsync(IAuthStore store, CancellationToken cancellationToken)
    {
        if (_options.Value.AdminToken is { Length: > 0 } configured)
        {
            _admin.Set(Tokens.Hash(configured));
            return;
        }
        var token = Tokens.Generate(Tokens.AdminPrefix);
        var hash = Tokens.Hash(token);
        var stored = await store.SetSettingIfAbsentAsync(AdminCredential.SettingName, hash, cancellationToken);
        _admin.Set(stored);
        if (Tokens.HashesEqual(stored, hash))
        {
            _console.WriteLine("");
            _console.WriteLine("  Hookline admin token (shown only this once; keep it safe):");
            _console.WriteLine("");
            _console.WriteLine($"    {token}");
            _console.WriteLine("");
            _console.WriteLine("  Use it as 'Authorization: Bearer <token>'. Lost it? Set Hookline:AdminToken to choose one.");
            _console.WriteLine("");
        }
    }

    private void Announce()
    {
        foreach (var address in PublicUrl.ListenAddresses(_server))
        {
            _console.WriteLine($"Hookline listening on {address}  (API reference: {address}/docs)");
        }
        var options = _options.Value;
        var where = options.Storage.Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase)
            ? DescribePostgres(options.Storage.ConnectionString)
            : string.IsNullOrWhiteSpace(options.Storage.ConnectionString)
                ? Path.Combine(Path.GetFullPath(options.DataDirectory), "hookline.db")
                : "SQLite (Hookline:Storage:ConnectionString)";
        _console.WriteLine($"Hookline data: {where}");
    }

    /// <summary>Server and database, never the password.</summary>
    private static string DescribePostgres(string? connectionString)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return $"PostgreSQL database '{builder.Database}' on {builder.Host}:{builder.Port}";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (Hookline:Storage:ConnectionString)";
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
