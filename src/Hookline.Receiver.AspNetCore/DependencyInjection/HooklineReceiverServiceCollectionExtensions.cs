using System.Globalization;
using Hookline.Core.Configuration;
using Hookline.Receiver.AspNetCore;
using Hookline.Receiver.AspNetCore.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the webhook inbox: the store, the background worker and <see cref="IWebhookInbox"/>.</summary>
public static class HooklineReceiverServiceCollectionExtensions
{
    /// <summary>
    /// Registers the webhook inbox. Choose its store in <paramref name="configure"/>:
    /// <c>services.AddHooklineReceiver(o =&gt; o.UseSqlite("Data Source=inbox.db"))</c>. Then map
    /// webhooks with <c>app.MapWebhook(…).Handle(…)</c>. Options are validated at startup.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddHooklineReceiver(this IServiceCollection services, Action<HooklineReceiverOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddHooklineReceiver();
        services.Configure(configure);
        return services;
    }

    /// <summary>
    /// Registers the webhook inbox with options read from a configuration section: <c>StorageProvider</c>
    /// (<c>sqlite</c> or <c>postgres</c>), <c>ConnectionString</c>, <c>MaxAttempts</c>, <c>RetryDelay</c>,
    /// <c>MaxRetryDelay</c>, <c>RetryJitter</c>, <c>HandlerTimeout</c>, <c>LeaseDuration</c>,
    /// <c>MaxConcurrency</c>, <c>PollInterval</c>, <c>MaxBodyBytes</c>, <c>DoneRetention</c>,
    /// <c>RunWorker</c>. Durations are written like <c>500ms</c>, <c>5s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>
    /// (or <c>00:00:05</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section, for example <c>configuration.GetSection("Hookline:Receiver")</c>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddHooklineReceiver(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddHooklineReceiver(o => Bind(section, o));
    }

    /// <summary>
    /// Registers the webhook inbox without configuring it; configure <see cref="HooklineReceiverOptions"/>
    /// elsewhere (a store must be chosen). Calling it more than once is harmless.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddHooklineReceiver(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(WebhookRegistry)))
        {
            return services;
        }
        services.AddOptionsWithValidateOnStart<HooklineReceiverOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HooklineReceiverOptions>, ReceiverOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddSingleton<WebhookRegistry>();
        services.AddSingleton<InboxSignal>();
        services.AddSingleton<InboxStoreHolder>();
        services.AddSingleton<IWebhookInbox, WebhookInbox>();
        services.AddSingleton<IHostedService, InboxWorker>();
        services.AddSingleton<IHostedService, PostgresInboxWakeUp>();
        return services;
    }

    private static void Bind(IConfigurationSection section, HooklineReceiverOptions options)
    {
        options.StorageProvider = section[nameof(options.StorageProvider)] ?? options.StorageProvider;
        options.ConnectionString = section[nameof(options.ConnectionString)] ?? options.ConnectionString;
        options.MaxAttempts = Int(section, nameof(options.MaxAttempts)) ?? options.MaxAttempts;
        options.MaxConcurrency = Int(section, nameof(options.MaxConcurrency)) ?? options.MaxConcurrency;
        options.MaxBodyBytes = section[nameof(options.MaxBodyBytes)] is { } bytes ? long.Parse(bytes, CultureInfo.InvariantCulture) : options.MaxBodyBytes;
        options.RetryJitter = section[nameof(options.RetryJitter)] is { } jitter ? double.Parse(jitter, CultureInfo.InvariantCulture) : options.RetryJitter;
        options.RunWorker = section[nameof(options.RunWorker)] is { } run ? bool.Parse(run) : options.RunWorker;
        options.RetryDelay = Duration(section, nameof(options.RetryDelay)) ?? options.RetryDelay;
        options.MaxRetryDelay = Duration(section, nameof(options.MaxRetryDelay)) ?? options.MaxRetryDelay;
        options.HandlerTimeout = Duration(section, nameof(options.HandlerTimeout)) ?? options.HandlerTimeout;
        options.LeaseDuration = Duration(section, nameof(options.LeaseDuration)) ?? options.LeaseDuration;
        options.PollInterval = Duration(section, nameof(options.PollInterval)) ?? options.PollInterval;
        options.DoneRetention = Duration(section, nameof(options.DoneRetention)) ?? options.DoneRetention;
    }

    private static int? Int(IConfigurationSection section, string key) =>
        section[key] is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    private static TimeSpan? Duration(IConfigurationSection section, string key) =>
        section[key] is { } text ? Durations.Parse(text) : null;
}
