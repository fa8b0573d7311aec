using Hookline.Core.Storage;
using Npgsql;

namespace Hookline.Storage.Postgres;

/// <summary>
/// The receiver inbox (<c>Hookline.Receiver.AspNetCore</c>) in PostgreSQL, shared by every instance of
/// the app: the inbox's own table and migration history, nothing of the platform's. It runs the same
/// SQL as <see cref="PostgresHooklineStore"/> (claims with <c>FOR UPDATE SKIP LOCKED</c>), and wakes
/// the workers of the other instances through <c>LISTEN/NOTIFY</c> on <see cref="Channel"/>. Register it
/// with <c>services.AddHooklinePostgresInbox("Host=…")</c>.
/// </summary>
public sealed class PostgresInboxStore : IInboxStore, IAsyncDisposable, IDisposable
{
    /// <summary>The <c>LISTEN/NOTIFY</c> channel on which instances sharing the inbox wake each other's workers.</summary>
    public const string Channel = "hookline_inbox";

    /// <summary>How long the listening connection may stay silent before a round trip checks that it is alive.</summary>
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(30);

    private readonly PostgresHooklineStore _store;

    /// <summary>An inbox over its own pooled data source built from <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string, for example <c>Host=db;Database=app;Username=app;Password=…</c>.</param>
    /// <param name="time">The clock.</param>
    public PostgresInboxStore(string connectionString, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(time);
        _store = new PostgresHooklineStore(connectionString, time) { Schema = PostgresInboxMigrations.Runner };
    }

    /// <summary>The pooled data source every query of this inbox goes through.</summary>
    public NpgsqlDataSource DataSource => _store.DataSource;

    public Task MigrateAsync(CancellationToken cancellationToken) => _store.MigrateAsync(cancellationToken);

    /// <summary><c>NOTIFY</c> on <see cref="Channel"/>: every instance listening wakes its worker.</summary>
    public async Task AnnounceWorkAsync(CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand($"SELECT pg_notify('{Channel}', '')");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// <c>LISTEN</c>s on <see cref="Channel"/> on a connection of its own. Every
    /// <see cref="ProbeInterval"/> of silence it checks the connection with a round trip, so one that
    /// died without a word throws (and the caller listens again) instead of waiting forever.
    /// </summary>
    public async Task ListenForWorkAsync(Action onWork, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onWork);
        try
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
            try
            {
                connection.Notification += (_, _) => onWork();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }
                onWork(); // Anything announced while this process was not listening.
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(ProbeInterval, cancellationToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(cancellationToken);
                    }
                }
            }
            finally
            {
                await Internal.ListeningConnection.UnlistenAsync(connection);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: not a failure.
        }
    }

    public Task<InboxInsertResult> InsertInboxItemAsync(NewInboxItem item, CancellationToken cancellationToken) =>
        _store.InsertInboxItemAsync(item, cancellationToken);

    public Task<IReadOnlyList<InboxItem>> ClaimInboxItemsAsync(InboxClaimRequest request, CancellationToken cancellationToken) =>
        _store.ClaimInboxItemsAsync(request, cancellationToken);

    public Task<bool> RenewInboxLeaseAsync(long id, string leaseToken, DateTimeOffset until, CancellationToken cancellationToken) =>
        _store.RenewInboxLeaseAsync(id, leaseToken, until, cancellationToken);

    public Task<bool> CompleteInboxItemAsync(InboxCompletion completion, CancellationToken cancellationToken) =>
        _store.CompleteInboxItemAsync(completion, cancellationToken);

    public Task<DateTimeOffset?> GetNextInboxDueAsync(DateTimeOffset after, IReadOnlyCollection<string> webhooks, CancellationToken cancellationToken) =>
        _store.GetNextInboxDueAsync(after, webhooks, cancellationToken);

    public Task<InboxItem?> GetInboxItemAsync(long id, bool withBody, CancellationToken cancellationToken) =>
        _store.GetInboxItemAsync(id, withBody, cancellationToken);

    public Task<IReadOnlyList<InboxItem>> ListInboxItemsAsync(InboxListQuery query, CancellationToken cancellationToken) =>
        _store.ListInboxItemsAsync(query, cancellationToken);

    public Task<IReadOnlyDictionary<InboxStatus, long>> CountInboxItemsAsync(string? webhook, CancellationToken cancellationToken) =>
        _store.CountInboxItemsAsync(webhook, cancellationToken);

    public Task<bool> RequeueInboxItemAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        _store.RequeueInboxItemAsync(id, now, cancellationToken);

    public Task<int> RequeueDeadInboxItemsAsync(string? webhook, DateTimeOffset now, CancellationToken cancellationToken) =>
        _store.RequeueDeadInboxItemsAsync(webhook, now, cancellationToken);

    public Task<int> PurgeDoneInboxItemsAsync(DateTimeOffset completedBefore, int batchSize, CancellationToken cancellationToken) =>
        _store.PurgeDoneInboxItemsAsync(completedBefore, batchSize, cancellationToken);

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    public void Dispose() => _store.Dispose();
}
