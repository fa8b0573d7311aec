using Hookline.Core.Storage;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Hosting;

/// <summary>
/// Before anything else starts: check the data directory, migrate the store and settle the admin
/// token. Once listening: print a newly generated admin token, the address(es) and where the data
/// lives.
/// </summary>
internal sealed class HooklineStartup : IHostedLifecycleService
{
    private readonly IServiceProvider _services;
    private readonly AdminCredential _admin;
    private readonly IOptions<HooklineServerOptions> _options;
    private readonly StartupConsole _console;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServer _server;
    private readonly StartupPhase _phase;
    private (string Token, string Hash)? _generated;

    public HooklineStartup(IServiceProvider services, AdminCredential admin, IOptions<HooklineServerOptions> options, StartupConsole console,
        IHostApplicationLifetime lifetime, IServer server, StartupPhase phase)
    {
        _services = services;
        _admin = admin;
        _options = options;
        _console = console;
        _lifetime = lifetime;
        _server = server;
        _phase = phase;
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var store = _services.GetRequiredService<IHooklineStore>();
        try
        {
            await store.MigrateAsync(cancellationToken);
        }
        catch (Exception ex) when (StoreStartup.IsStoreProblem(ex))
        {
            throw new StartupProblemException(StoreStartup.Describe(options, ex), ex);
        }
        await SealSecretsAsync(store, cancellationToken);
        await SettleAdminTokenAsync(store, cancellationToken);
        _lifetime.ApplicationStarted.Register(Announce);
    }

    /// <summary>
    /// After the SQL migrations: the token lookup key is read (or made), then rows still in clear are
    /// sealed — a SQL migration cannot call Data Protection. A key ring that cannot be read (another
    /// certificate, a missing file) stops the start with one line.
    /// </summary>
    private async Task SealSecretsAsync(IHooklineStore store, CancellationToken cancellationToken)
    {
        try
        {
            await _services.GetRequiredService<Secrets.DataProtectionSecretProtector>().InitializeAsync(store, cancellationToken);
            await store.SealSecretsAsync(cancellationToken);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new StartupProblemException(StartupFailure.Line("Hookline:Secrets:KeyRingCertificatePath", _options.Value.Secrets.KeyRingCertificatePath,
                $"the secrets in the store cannot be unsealed with this key ring ({StartupFailure.Reason(ex)}). Use the key ring (and certificate) the data was written with."), ex);
        }
    }

    /// <summary>The server (Kestrel included) is listening: only now is a generated token kept and shown.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        _phase.MarkStarted();
        if (_generated is not { } generated)
        {
            return;
        }
        // Racing nodes agree on the first stored hash; only the node whose token won prints it.
        var stored = await _services.GetRequiredService<IAuthStore>().SetSettingIfAbsentAsync(AdminCredential.SettingName, generated.Hash, cancellationToken);
        _admin.Set(stored);
        if (Tokens.HashesEqual(stored, generated.Hash))
        {
            _console.WriteLine("");
            _console.WriteLine("  Hookline admin token (shown only this once; keep it safe):");
            _console.WriteLine("");
            _console.WriteLine($"    {generated.Token}");
            _console.WriteLine("");
            _console.WriteLine("  Use it as 'Authorization: Bearer <token>'. Lost it? Set Hookline:AdminToken to choose one.");
            _console.WriteLine("");
        }
    }

    /// <summary>
    /// A configured token is used as is (only its hash is kept in memory, never printed). Otherwise
    /// the stored hash is used; on a first start a token is generated and used in memory, and it is
    /// stored and printed only once the server is listening (<see cref="StartedAsync"/>): a start
    /// that fails later (a port in use) keeps nothing, so the next start generates and prints one.
    /// </summary>
    private async Task SettleAdminTokenAsync(IAuthStore store, CancellationToken cancellationToken)
    {
        if (_options.Value.AdminToken is { Length: > 0 } configured)
        {
            _admin.Set(Tokens.Hash(configured));
            return;
        }
        if (await store.GetSettingAsync(AdminCredential.SettingName, cancellationToken) is { Length: > 0 } stored)
        {
            _admin.Set(stored);
            return;
        }
        var token = Tokens.Generate(Tokens.AdminPrefix);
        _generated = (token, Tokens.Hash(token));
        _admin.Set(_generated.Value.Hash);
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

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
