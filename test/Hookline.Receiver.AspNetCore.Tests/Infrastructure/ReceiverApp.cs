using Hookline.Receiver.AspNetCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hookline.Receiver.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real ASP.NET Core app on a real Kestrel socket (127.0.0.1, random port) with the receiver over a
/// SQLite file of its own (or the inbox store <c>inbox</c> registers). Tests say what to map; handlers
/// report to <see cref="Probe"/>.
/// </summary>
public sealed class ReceiverApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDatabase;

    private ReceiverApp(WebApplication app, string databasePath, bool ownsDatabase, Uri baseAddress)
    {
        _app = app;
        DatabasePath = databasePath;
        _ownsDatabase = ownsDatabase;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string DatabasePath { get; }

    public IServiceProvider Services => _app.Services;

    public HandlerProbe Probe => _app.Services.GetRequiredService<HandlerProbe>();

    public IWebhookInbox Inbox => _app.Services.GetRequiredService<IWebhookInbox>();

    public static string NewDatabasePath()
    {
        var folder = Path.Combine(Path.GetTempPath(), "hookline-receiver-tests");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, Guid.NewGuid().ToString("N") + ".db");
    }

    /// <summary>Fast retries and polls by default, so tests of retries take milliseconds.</summary>
    public static async Task<ReceiverApp> StartAsync(
        Action<WebApplication> map,
        Action<HooklineReceiverOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        string? databasePath = null,
        Action<IServiceCollection>? inbox = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var path = databasePath ?? NewDatabasePath();
        builder.Services.AddSingleton<HandlerProbe>();
        builder.Services.AddHooklineReceiver(o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(50);
            o.MaxRetryDelay = TimeSpan.FromSeconds(1);
            o.RetryJitter = 0;
            o.PollInterval = TimeSpan.FromSeconds(1);
            o.HandlerTimeout = TimeSpan.FromSeconds(10);
            o.LeaseDuration = TimeSpan.FromSeconds(15);
            configure?.Invoke(o);
        });
        if (inbox is null)
        {
            builder.Services.AddHooklineSqliteInbox("Data Source=" + path);
        }
        else
        {
            inbox(builder.Services);
        }
        services?.Invoke(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ReceiverApp(app, path, databasePath is null, new Uri(address));
    }

    public Uri Url(string path) => new(BaseAddress, path);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDatabase)
        {
            DeleteDatabase(DatabasePath);
        }
    }

    public static void DeleteDatabase(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            try
            {
                File.Delete(path + suffix);
            }
            catch (IOException)
            {
                // Left to the temp folder's cleaner.
            }
        }
    }
}
