using System.Globalization;
using Hookline.Core.Configuration;
using Hookline.Receiver.AspNetCore;
using Hookline.Receiver.AspNetCore.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the webhook inbox: the background worker and <see cref="IWebhookInbox"/>. The inbox's store
/// comes from a store package, registered beside it: <c>AddHooklineSqliteInbox(…)</c> or
/// <c>AddHooklinePostgresInbox(…)</c>.
/// </summary>
public static class HooklineReceiverServiceCollectionExtensions
{
    /// <summary>
    /// Registers the webhook inbox with options set by <paramref name="configure"/>; its store is
    /// registered beside it, from a store package:
    /// <c>services.AddHooklineReceiver(o =&gt; o.MaxAttempts = 12).AddHooklineSqliteInbox("Data Source=inbox.db")</c>
    /// (or <c>AddHooklinePostgresInbox("Host=…")</c>). Then map webhooks with
    /// <c>app.MapWebhook(…).Handle(…)</c>. The options, and that a store is registered, are validated at startup.
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
    /// Registers the webhook inbox with options read from a configuration section: <c>MaxAttempts</c>,
    /// <c>RetryDelay</c>, <c>MaxRetryDelay</c>, <c>RetryJitter</c>, <c>HandlerTimeout</c>, <c>LeaseDuration</c>,
    /// <c>MaxConcurrency</c>, <c>PollInterval</c>, <c>MaxBodyBytes</c>, <c>DoneRetention</c>,
    /// <c>RunWorker</c>. Durations are written like <c>500ms</c>, <c>5s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>
    /// (or <c>00:00:05</c>). The store is not read from the section: register it beside, as with the
    /// other overloads.
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
    /// elsewhere, and register an inbox store. Calling it more than once is harmless.
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
        services.AddSingleton<IHostedService, InboxWakeUpListener>();
        return services;
    }

    /// <summary>
    /// Reads the section's values over the defaults. A value that does not parse is not thrown here
    /// (that would stop at the first one, without naming its key): it is recorded with its key and
    /// reported by the options validation at start-up, with every other problem.
    /// </summary>
    private static void Bind(IConfigurationSection section, HooklineReceiverOptions options)
    {
        options.MaxAttempts = Read(nameof(options.MaxAttempts), options.MaxAttempts, "a whole number", (string t, out int v) => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out v));
        options.MaxConcurrency = Read(nameof(options.MaxConcurrency), options.MaxConcurrency, "a whole number", (string t, out int v) => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out v));
        options.MaxBodyBytes = Read(nameof(options.MaxBodyBytes), options.MaxBodyBytes, "a whole number of bytes", (string t, out long v) => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out v));
        options.RetryJitter = Read(nameof(options.RetryJitter), options.RetryJitter, "a number such as 0.2", (string t, out double v) => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out v));
        options.RunWorker = Read(nameof(options.RunWorker), options.RunWorker, "true or false", (string t, out bool v) => bool.TryParse(t, out v));
        options.RetryDelay = Duration(nameof(options.RetryDelay), options.RetryDelay);
        options.MaxRetryDelay = Duration(nameof(options.MaxRetryDelay), options.MaxRetryDelay);
        options.HandlerTimeout = Duration(nameof(options.HandlerTimeout), options.HandlerTimeout);
        options.LeaseDuration = Duration(nameof(options.LeaseDuration), options.LeaseDuration);
        options.PollInterval = Duration(nameof(options.PollInterval), options.PollInterval);
        options.DoneRetention = Duration(nameof(options.DoneRetention), options.DoneRetention);

        TimeSpan Duration(string key, TimeSpan current) =>
            Read(key, current, "a duration; write it like 500ms, 5s, 5m, 2h or 7d", (string t, out TimeSpan v) => Durations.TryParse(t, out v));

        T Read<T>(string key, T current, string expected, TryParser<T> parse)
        {
            if (section[key] is not { } text)
            {
                return current;
            }
            if (parse(text.Trim(), out var value))
            {
                return value;
            }
            options.BindingErrors.Add($"{section.Path}:{key} = '{text}' is not {expected}.");
            return current;
        }
    }

    private delegate bool TryParser<T>(string text, out T value);
}
