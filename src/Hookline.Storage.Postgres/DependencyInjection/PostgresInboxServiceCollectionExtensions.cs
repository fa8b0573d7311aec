using Hookline.Core.Storage;
using Hookline.Storage.Postgres;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the receiver inbox's PostgreSQL store.</summary>
public static class PostgresInboxServiceCollectionExtensions
{
    /// <summary>
    /// Stores the webhook inbox of <c>Hookline.Receiver.AspNetCore</c> in PostgreSQL, shared by every
    /// instance of the app: registers a <see cref="PostgresInboxStore"/> as the <see cref="IInboxStore"/>
    /// the receiver uses, for example
    /// <c>services.AddHooklineReceiver(…).AddHooklinePostgresInbox("Host=db;Database=app;Username=app;Password=…")</c>.
    /// Any instance may receive a webhook, any instance's worker may run its handler (never two at
    /// once), and a stored webhook wakes every instance's worker through <c>LISTEN/NOTIFY</c>. The
    /// receiver creates or upgrades the inbox's tables on first use.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">An Npgsql connection string; <c>Search Path=…</c> puts the inbox in a schema of its own.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddHooklinePostgresInbox(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.AddSingleton<IInboxStore>(sp => new PostgresInboxStore(connectionString, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        return services;
    }
}
