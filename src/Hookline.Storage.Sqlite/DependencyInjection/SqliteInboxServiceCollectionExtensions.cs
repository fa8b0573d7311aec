using Hookline.Core.Storage;
using Hookline.Storage.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the receiver inbox's SQLite store.</summary>
public static class SqliteInboxServiceCollectionExtensions
{
    /// <summary>
    /// Stores the webhook inbox of <c>Hookline.Receiver.AspNetCore</c> in a SQLite file: registers a
    /// <see cref="SqliteInboxStore"/> as the <see cref="IInboxStore"/> the receiver uses, for example
    /// <c>services.AddHooklineReceiver(…).AddHooklineSqliteInbox("Data Source=inbox.db")</c>. The
    /// receiver creates or upgrades the inbox's tables on first use. Right for an app that runs as one
    /// instance; for several, use <c>AddHooklinePostgresInbox</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString"><c>Data Source=inbox.db</c>, or just a file path.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddHooklineSqliteInbox(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.AddSingleton<IInboxStore>(sp => new SqliteInboxStore(connectionString, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        return services;
    }
}
