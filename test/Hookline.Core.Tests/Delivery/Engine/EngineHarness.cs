using Hookline.Core.Delivery;
using Hookline.Core.Ids;
using Hookline.Core.Messages;
using Hookline.Core.Model;
using Hookline.Core.Operational;
using Hookline.Core.Storage;
using Hookline.Signatures.StandardWebhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>
/// The delivery engine as the server composes it — SQLite store on a temp file, message writer,
/// dispatcher, SSRF-safe client — without the HTTP API in front, so engine behaviour is tested
/// against real receivers with nothing mocked.
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _hosted;
    private readonly string _directory;

    private EngineHarness(ServiceProvider services, List<IHostedService> hosted, string directory)
    {
        _services = services;
        _hosted = hosted;
        _directory = directory;
    }

    public IHooklineStore Store => _services.GetRequiredService<IHooklineStore>();

    public MessageService Messages => _services.GetRequiredService<MessageService>();

    public OperationalWebhooks Operational => _services.GetRequiredService<OperationalWebhooks>();

    /// <summary>The SQLite database file under the engine, for a test that changes it behind the engine's back.</summary>
    public string DatabaseFile => Path.Combine(Path.GetFullPath(_directory), "hookline.db");

    /// <param name="configure">Delivery options on top of the harness's fast retry schedule.</param>
    /// <param name="services">Registrations made before the engine's own (so an extra delivery observer is told first).</param>
    /// <param name="after">Registrations made after the engine's own (so one can replace the store the engine uses).</param>
    public static async Task<EngineHarness> StartAsync(Action<DeliveryOptions>? configure = null, Action<IServiceCollection>? services = null,
        Action<IServiceCollection>? after = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "hookline-engine-tests", Guid.NewGuid().ToString("N"));
        var collection = new ServiceCollection();
        collection.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services?.Invoke(collection);
        collection.AddHooklineSqliteStore(directory);
        collection.AddHooklineCore();
        collection.Configure<DeliveryOptions>(o =>
        {
            o.AllowPrivateNetworks = true;
            o.RetrySchedule = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300)];
            o.Timeout = TimeSpan.FromSeconds(5);
            configure?.Invoke(o);
        });
        after?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        await provider.GetRequiredService<IHooklineStore>().MigrateAsync(CancellationToken.None);
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }
        return new EngineHarness(provider, hosted, directory);
    }

    public async Task<Application> CreateApplicationAsync(int? throttleRate = null)
    {
        var now = DateTimeOffset.UtcNow;
        var app = new Application { Id = HooklineIds.New(HooklineIds.Application, now), Name = "test", ThrottleRate = throttleRate, CreatedAt = now, UpdatedAt = now };
        await Store.CreateApplicationAsync(app, CancellationToken.None);
        return app;
    }

    public async Task<Endpoint> CreateEndpointAsync(Application app, string url, Func<Endpoint, Endpoint>? change = null)
    {
        var now = DateTimeOffset.UtcNow;
        using var secret = StandardWebhookSecret.GenerateSymmetric();
        var endpoint = new Endpoint
        {
            Id = HooklineIds.New(HooklineIds.Endpoint, now),
            AppId = app.Id,
            Url = url,
            Secrets = [new EndpointSecret(secret.Export(), null)],
            CreatedAt = now,
            UpdatedAt = now,
        };
        endpoint = change?.Invoke(endpoint) ?? endpoint;
        await Store.CreateEndpointAsync(endpoint, CancellationToken.None);
        return endpoint;
    }

    public Task<MessageCreated> SendAsync(Application app, string eventType, string json, IReadOnlyList<string>? channels = null) =>
        Messages.CreateAsync(app, new MessageDraft { EventType = eventType, Payload = System.Text.Encoding.UTF8.GetBytes(json), Channels = channels }, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        for (var i = _hosted.Count - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(CancellationToken.None);
        }
        await _services.DisposeAsync();
        TemporaryDirectory.Delete(_directory);
    }
}
