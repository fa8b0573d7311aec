using Hookline.Core.Storage;

namespace Hookline.Storage.Sqlite;

/// <summary>
/// The receiver inbox (<c>Hookline.Receiver.AspNetCore</c>) in a SQLite file: the inbox's own table
/// and migration history, nothing of the platform's. It runs the same SQL, connections and durable
/// writes as <see cref="SqliteHooklineStore"/> (WAL mode; an acknowledged webhook survives a power
/// cut). One process at a time writes, so there are no other processes to wake. Register it with
/// <c>services.AddHooklineSqliteInbox("Data Source=inbox.db")</c>.
/// </summary>
public sealed class SqliteInboxStore : IInboxStore, IDisposable
{
    private readonly SqliteHooklineStore _store;

    /// <summary>An inbox over the SQLite file of <paramref name="connectionString"/>, created if missing.</summary>
    /// <param name="connectionString"><c>Data Source=inbox.db</c>, or just a file path.</param>
    /// <param name="time">The clock.</param>
    public SqliteInboxStore(string connectionString, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(time);
        _store = new SqliteHooklineStore(
            connectionString.Contains('=', StringComparison.Ordinal) ? connectionString : "Data Source=" + connectionString, time)
        {
            Schema = SqliteInboxMigrations.Runner,
        };
    }

    /// <summary>The database file.</summary>
    public string DataSource => _store.DataSource;

    public Task MigrateAsync(CancellationToken cancellationToken) => _store.MigrateAsync(cancellationToken);

    /// <summary>Does nothing: one process writes a SQLite inbox, and its own stores wake its own worker.</summary>
    public Task AnnounceWorkAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Returns at once: no other process announces work on a SQLite inbox.</summary>
    public Task ListenForWorkAsync(Action onWork, CancellationToken cancellationToken) => Task.CompletedTask;

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

    public void Dispose() => _store.Dispose();
}
