namespace Hookline.Core.Storage;

/// <summary>
/// Everything Hookline keeps. One implementation per database (SQLite, PostgreSQL); both pass the
/// compliance suite in <c>test/Hookline.Storage.Compliance</c>. All shared state lives here so any
/// node can serve any request.
/// </summary>
public interface IHooklineStore :
    IApplicationStore,
    IEventTypeStore,
    IEndpointStore,
    IMessageStore,
    IDeliveryStore,
    IAttemptStore,
    IIdempotencyStore,
    IAuthStore,
    ITaskStore,
    ISourceStore,
    IStatsStore
{
    /// <summary>Creates or upgrades the schema. Safe to call from several nodes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Seals the secret values of rows still in clear (<see cref="SecretProtector"/>); the host runs it
    /// at start after <see cref="MigrateAsync"/>. Safe to run again and from several nodes at once.
    /// </summary>
    /// <returns>The number of rows sealed.</returns>
    Task<int> SealSecretsAsync(CancellationToken cancellationToken);

    /// <summary>Runs a trivial query: the readiness check, which fails while the database cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
