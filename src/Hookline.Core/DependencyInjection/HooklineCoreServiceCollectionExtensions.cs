using Hookline.Core.Configuration;
using Hookline.Core.Delivery;
using Hookline.Core.Diagnostics;
using Hookline.Core.Delivery.Transport;
using Hookline.Core.Ingest;
using Hookline.Core.Messages;
using Hookline.Core.Operational;
using Hookline.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class HooklineCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers Hookline's engine (see <see cref="AddHooklineCore(IServiceCollection)"/>) with
    /// <see cref="DeliveryOptions"/> bound from <paramref name="section"/> (usually <c>Hookline:Delivery</c>).
    /// Durations read <c>500ms</c>, <c>5s</c>, <c>5m</c>, <c>2h</c>, <c>5d</c>; lists are indexed entries or one
    /// comma-separated value. Every value is checked when the host starts.
    /// </summary>
    public static IServiceCollection AddHooklineCore(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<DeliveryOptions>().BindSection(section);
        return services.AddHooklineCore();
    }

    /// <summary>Registers Hookline's engine with <see cref="DeliveryOptions"/> set in code. Every value is checked when the host starts.</summary>
    public static IServiceCollection AddHooklineCore(this IServiceCollection services, Action<DeliveryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<DeliveryOptions>().Configure(configure);
        return services.AddHooklineCore();
    }

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
        services.AddOptionsWithValidateOnStart<DeliveryOptions>();
        services.AddOptionsWithValidateOnStart<RetentionOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RetentionOptions>, RetentionOptionsRules>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsRules>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DeliverySignal>();
        services.TryAddSingleton<HooklineMetrics>();
        services.TryAddSingleton(sp => new MessageWriter(
            sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<DeliverySignal>(), sp.GetRequiredService<HooklineMetrics>(),
            () => sp.GetService<DeliveryDispatcher>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.EffectiveLeaseDuration));
        services.TryAddSingleton<MessageService>();
        services.TryAddSingleton<OperationalWebhooks>();
        // Operational webhooks subscribe to the dispatcher's recorded outcomes (the engine does not call them).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeliveryObserver, DeliveryOutcomeReporter>());
        services.TryAddSingleton(sp => new IngestService(
            sp.GetRequiredService<IHooklineStore>(), sp.GetRequiredService<MessageService>(), sp.GetRequiredService<DeliverySignal>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<HooklineMetrics>()));
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
