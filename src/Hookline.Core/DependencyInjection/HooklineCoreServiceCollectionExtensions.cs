using Hookline.Core.Delivery;
using Hookline.Core.Delivery.Transport;
using Hookline.Core.Ingest;
using Hookline.Core.Messages;
using Hookline.Core.Operational;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class HooklineCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the message intake (group commit), the delivery dispatcher, the SSRF-safe client,
    /// operational webhooks and housekeeping. A store must be registered too
    /// (e.g. <c>AddHooklineSqliteStore</c>), and <see cref="DeliveryOptions"/> configured.
    /// Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddHooklineCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(DeliveryDispatcher)))
        {
            return services;
        }
        services.AddOptions<DeliveryOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DeliverySignal>();
        services.TryAddSingleton<MessageWriter>();
        services.TryAddSingleton<MessageService>();
        services.TryAddSingleton<OperationalWebhooks>();
        services.TryAddSingleton<IngestService>();
        services.TryAddSingleton(sp => new DeliveryHttpClientFactory(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value));
        services.TryAddSingleton(sp => new EndpointUrlValidator(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value));
        services.TryAddSingleton<SigningKeyCache>();
        services.TryAddSingleton(sp => new AttemptSender(
            sp.GetRequiredService<DeliveryHttpClientFactory>(),
            sp.GetRequiredService<SigningKeyCache>(),
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Hookline.Core.Delivery.Relay.IDeliveryRelay>()));
        services.AddSingleton<DeliveryDispatcher>();
        // The writer is stopped after the dispatcher (hosted services stop in reverse order), so
        // messages accepted during shutdown are still committed.
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<MessageWriter>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DeliveryDispatcher>());
        services.AddHostedService<MaintenanceService>();
        return services;
    }
}
