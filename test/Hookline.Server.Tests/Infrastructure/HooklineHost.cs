using Hookline.Server.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hookline.Server.Tests.Infrastructure;

/// <summary>
/// The real Hookline host on a real Kestrel socket (127.0.0.1, random port), with its own
/// temporary data directory. Composed exactly as Program.cs composes it.
/// </summary>
public sealed class HooklineHost : IAsyncDisposable
{
    /// <summary>The admin token every host gets unless a test configures <c>Hookline:AdminToken</c> itself.</summary>
    public const string AdminToken = "hk_admin_test_token_0123456789abcdef";

    private readonly WebApplication _app;
    private readonly bool _ownsDataDirectory;

    private HooklineHost(WebApplication app, string dataDirectory, Uri baseAddress, StringWriter console, bool ownsDataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        Console = console;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>What the host printed at start-up (listen address, data directory, a generated admin token).</summary>
    public StringWriter Console { get; }

    /// <param name="settings">Configuration on top of the defaults; a key set to null removes a default (e.g. the admin token).</param>
    /// <param name="dataDirectory">An existing data directory to reuse (the caller deletes it); a fresh temporary one otherwise.</param>
    public static async Task<HooklineHost> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        var ownsDataDirectory = dataDirectory is null;
        dataDirectory ??= NewDataDirectory();
        Directory.CreateDirectory(dataDirectory);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var effective = new Dictionary<string, string?>
        {
            ["Hookline:DataDirectory"] = dataDirectory,
            ["Hookline:AdminToken"] = AdminToken,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            effective[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(effective.Where(kv => kv.Value is not null));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var console = new StringWriter();
        builder.Services.AddSingleton(new StartupConsole(console));
        builder.AddHooklineServer();
        var app = builder.Build();
        app.MapHooklineServer();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HooklineHost(app, dataDirectory, new Uri(address), console, ownsDataDirectory);
    }

    private static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "hookline-tests", Guid.NewGuid().ToString("N"));

    public HttpClient CreateClient(string? bearerToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearerToken);
        }
        return client;
    }

    /// <summary>A client authenticated with the admin token.</summary>
    public HttpClient CreateAdminClient() => CreateClient(AdminToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDataDirectory)
        {
            TemporaryDirectory.Delete(DataDirectory);
        }
    }
}
