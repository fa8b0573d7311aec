using Hookline.Core.Storage;
using Hookline.Storage.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

public static class SqliteStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the SQLite store as <see cref="IHooklineStore"/> (and each of its parts).
    /// <paramref name="dataDirectoryOrConnectionString"/> is either a folder (the file is
    /// <c>hookline.db</c> in it) or a connection string (<c>Data Source=…</c>).
    /// </summary>
    public static IServiceCollection AddHooklineSqliteStore(this IServiceCollection services, string dataDirectoryOrConnectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectoryOrConnectionString);
        services.AddSingleton(sp =>
        {
            var time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            var store = dataDirectoryOrConnectionString.Contains('=', StringComparison.Ordinal)
                ? new SqliteHooklineStore(dataDirectoryOrConnectionString, time)
                : SqliteHooklineStore.ForDirectory(dataDirectoryOrConnectionString, time);
            // One process owns the file, and every change goes through this instance, which
            // invalidates at once: the lifetime only bounds how long a stale entry could live.
            store.ReadCacheLifetime = TimeSpan.FromSeconds(1);
            // The host's sealing of secret columns, when it has one (the server does); else clear.
            store.SecretProtector = sp.GetService<SecretProtector>() ?? SecretProtector.None;
            return store;
        });
        services.AddHooklineStoreParts<SqliteHooklineStore>();
        return services;
    }
}
