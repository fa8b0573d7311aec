using Hookline.Core.Delivery;
using Hookline.Core.Storage;
using Hookline.Storage.Postgres;
using Hookline.Storage.Postgres.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class PostgresStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the PostgreSQL store as <see cref="IHooklineStore"/> (and each of its parts), and a
    /// hosted service that wakes the dispatchers of every node sharing the database the moment new
    /// work commits (<c>LISTEN/NOTIFY</c> on <see cref="PostgresStoreOptions.NotificationChannel"/>).
    /// The schema is created or upgraded by <see cref="IHooklineStore.MigrateAsync"/>, which the host
    /// calls at start.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    public static IServiceCollection AddHooklinePostgresStore(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.AddHooklinePostgresStore(o => o.ConnectionString = connectionString);
    }

    /// <inheritdoc cref="AddHooklinePostgresStore(IServiceCollection, string)"/>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the connection string and, optionally, the notification settings.</param>
    public static IServiceCollection AddHooklinePostgresStore(this IServiceCollection services, Action<PostgresStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PostgresStoreOptions>().Configure(configure).Validate(
            o => !string.IsNullOrWhiteSpace(o.ConnectionString) && PostgresWorkNotifier.IsValidChannel(o.NotificationChannel),
            "Hookline PostgreSQL store: a connection string is required, and the notification channel must be a lower-case identifier (letters, digits, underscores).");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DeliverySignal>();
        services.AddSingleton(sp => new PostgresHooklineStore(
            sp.GetRequiredService<IOptions<PostgresStoreOptions>>().Value.ConnectionString,
            sp.GetRequiredService<TimeProvider>())
        {
            // Applications and endpoint lists are read for every new message. Changes through this
            // node are seen at once; another node's changes within a second (see docs/operations.md).
            ReadCacheLifetime = TimeSpan.FromSeconds(1),
            // The host's sealing of secret columns, when it has one (the server does); else clear.
            SecretProtector = sp.GetService<SecretProtector>() ?? SecretProtector.None,
        });
        services.AddHooklineStoreParts<PostgresHooklineStore>();
        services.AddSingleton<IHostedService>(sp => new PostgresWorkNotifier(
            sp.GetRequiredService<PostgresHooklineStore>().DataSource,
            sp.GetRequiredService<DeliverySignal>(),
            sp.GetRequiredService<IOptions<PostgresStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            (ILogger?)sp.GetService<ILoggerFactory>()?.CreateLogger<PostgresWorkNotifier>() ?? NullLogger.Instance));
        return services;
    }
}
