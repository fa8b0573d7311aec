using System.Data.Common;
using System.Text;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// The store written once in portable SQL over ADO.NET; SQLite and PostgreSQL subclass it with their
/// connections, write transactions, schema and the few places where the dialects differ (row locks
/// for claims). Conventions: ids are text compared in binary order, times are Unix milliseconds,
/// booleans 0/1, lists and maps JSON text.
/// </summary>
public abstract partial class SqlHooklineStore : IHooklineStore
{
    private readonly ReadCache<Model.Application?> _applicationCache;
    private readonly ReadCache<IReadOnlyList<Model.Endpoint>> _endpointCache;
    private readonly ReadCache<Model.Source?> _sourceTokenCache;

    protected SqlHooklineStore(TimeProvider time)
    {
        Time = time;
        _applicationCache = new ReadCache<Model.Application?>(time);
        _endpointCache = new ReadCache<IReadOnlyList<Model.Endpoint>>(time);
        _sourceTokenCache = new ReadCache<Model.Source?>(time);
    }

    protected TimeProvider Time { get; }

    /// <summary>
    /// Seals endpoint secrets and header values, source configurations and ingest tokens before they
    /// are written, and opens them when read. Set it before the store is used; the server sets one
    /// backed by ASP.NET Core Data Protection (docs/security.md).
    /// </summary>
    /// <value>The default value is <see cref="SecretProtector.None"/> (values stored in clear).</value>
    public SecretProtector SecretProtector { get; set; } = SecretProtector.None;

    /// <summary>
    /// Runs a write with the read caches it affects invalidated before and after it, so that no read
    /// that overlapped the write can leave the old value cached.
    /// </summary>
    private static async Task<T> InvalidatingAsync<T>(Func<Task<T>> write, Action invalidate)
    {
        invalidate();
        try
        {
            return await write();
        }
        finally
        {
            invalidate();
        }
    }

    /// <summary>A write that changes applications, or the endpoints of <paramref name="appId"/>.</summary>
    private Task<T> InvalidatingAsync<T>(Func<Task<T>> write, string? appId) => InvalidatingAsync(write, () =>
    {
        _applicationCache.Clear();
        if (appId is not null)
        {
            _endpointCache.Invalidate(appId);
        }
    });

    /// <summary>
    /// How long an application, the list of its endpoints (read for every new message) and an ingest
    /// token's source (read for every ingest request) may be served from memory. Changes made through
    /// this store are seen at once; changes made by another node after at most this long.
    /// </summary>
    /// <value>The default value is zero (no caching); the server sets one second.</value>
    public TimeSpan ReadCacheLifetime
    {
        get => _endpointCache.Lifetime;
        set
        {
            _applicationCache.Lifetime = value;
            _endpointCache.Lifetime = value;
            _sourceTokenCache.Lifetime = value;
        }
    }

    /// <summary>
    /// The inside of an <c>IN (…)</c> over <paramref name="values"/>, and its parameters: one named
    /// parameter a value (<c>@p0, @p1, …</c>), which every database reads. A database that looks named
    /// parameters up in a list overrides it to pass the values as one parameter: SQLite's parse and
    /// bind are quadratic in the number of named parameters, which with a claim of 2,000 ids was a
    /// tenth of the server's CPU.
    /// </summary>
    protected virtual string InList<T>(IReadOnlyList<T> values, string prefix, out (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sql = new StringBuilder();
        parameters = new (string, object?)[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(prefix).Append(i);
            parameters[i] = ($"{prefix}{i}", values[i]);
        }
        return sql.ToString();
    }

    /// <summary>Appended to claim selects: <c>FOR UPDATE SKIP LOCKED</c> where the database has row locks.</summary>
    protected virtual string SkipLockedClause => "";

    /// <summary>This database's schema steps, and the statements in which its migrations differ from another database's.</summary>
    protected abstract SqlMigrationRunner Migrations { get; }

    /// <summary>
    /// Creates or upgrades the schema: the steps of <see cref="Migrations"/> not recorded yet, all in
    /// one write transaction (see <see cref="SqlMigrationRunner"/>). A store that must prepare
    /// something outside any transaction first overrides this and then calls it.
    /// </summary>
    public virtual async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var write = await BeginWriteAsync(WriteDurability.Durable, cancellationToken);
            await Migrations.ApplyAsync(write.Connection, write.Transaction, Time, cancellationToken);
            await write.CommitAsync(cancellationToken);
        }
        catch (DbException ex) when (IsStorageFull(ex))
        {
            throw Full(ex);
        }
    }

    public Task PingAsync(CancellationToken cancellationToken) =>
        ReadAsync(c => c.ScalarAsync(null, "SELECT 1", cancellationToken), cancellationToken);

    /// <summary>A connection for reads.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>A connection with a write transaction open (and, for SQLite, the process's write lock held).</summary>
    protected abstract Task<WriteTransaction> BeginWriteAsync(WriteDurability durability, CancellationToken cancellationToken);

    protected abstract bool IsUniqueViolation(DbException exception);

    /// <summary>
    /// Whether the database failed because its disk is full. Every read and write of this store turns
    /// such a failure into <see cref="StoreFullException"/>, so callers (the API, the delivery engine)
    /// tell "no room" from a fault without knowing the database driver.
    /// </summary>
    protected abstract bool IsStorageFull(DbException exception);

    private static StoreFullException Full(DbException exception) =>
        new("The database's disk is full: " + exception.Message, exception);

    protected async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);
            return await work(connection);
        }
        catch (DbException ex) when (IsStorageFull(ex))
        {
            // Reads can need room too (PostgreSQL's temporary files for a large sort).
            throw Full(ex);
        }
    }

    /// <summary>
    /// The WHERE fragment (empty without an iterator) and ORDER BY for a page over <paramref name="key"/>,
    /// binding <c>@iterator</c> and <c>@limit</c> (limit + 1 rows: the extra one says whether more follow).
    /// </summary>
    protected static (string Where, string OrderBy) PageClause(ListQuery query, string key, DbCommand command)
    {
        var descending = query.Descending ^ query.IsPrevious;
        command.AddParameter("@limit", (long)query.Limit + 1);
        var order = $" ORDER BY {key} {(descending ? "DESC" : "ASC")} LIMIT @limit";
        if (query.IteratorKey is not { Length: > 0 } iterator)
        {
            return ("", order);
        }
        command.AddParameter("@iterator", iterator);
        return ($" AND {key} {(descending ? "<" : ">")} @iterator", order);
    }

    protected Task<Page<T>> PageAsync<T>(string select, string where, string key, ListQuery query, Func<DbDataReader, T> map, Func<T, string> keyOf, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        ReadAsync(connection => PageAsync(connection, select, where, key, query, map, keyOf, parameters, cancellationToken), cancellationToken);

    private static async Task<Page<T>> PageAsync<T>(DbConnection connection, string select, string where, string key, ListQuery query, Func<DbDataReader, T> map, Func<T, string> keyOf, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(null, "", parameters);
        var (pageWhere, order) = PageClause(query, key, command);
        command.CommandText = $"{select} WHERE {where}{pageWhere}{order}";
        var rows = new List<T>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(map(reader));
            }
        }
        return Pages.From(rows, query, keyOf);
    }

    /// <summary>
    /// Keeps the statements run on <paramref name="connection"/> compiled, up to
    /// <paramref name="capacity"/> distinct texts, for a connection a store keeps open for its life
    /// (SQLite's writer). <see cref="ForgetStatements"/> before the connection is closed.
    /// </summary>
    protected static void KeepStatements(DbConnection connection, int capacity) => StatementCache.Attach(connection, capacity);

    /// <summary>Disposes the statements <see cref="KeepStatements"/> kept on <paramref name="connection"/>.</summary>
    protected static void ForgetStatements(DbConnection connection) => StatementCache.Detach(connection);

    protected Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync(work, WriteDurability.Durable, cancellationToken);

    protected async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, WriteDurability durability, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            await using var write = await BeginWriteAsync(durability, cancellationToken);
            result = await work(write.Connection, write.Transaction);
            await write.CommitAsync(cancellationToken);
        }
        catch (DbException ex) when (IsStorageFull(ex))
        {
            // Rolled back (the transaction is disposed uncommitted): nothing of this write is kept.
            throw Full(ex);
        }
        await AfterCommitAsync(durability);
        return result;
    }

    /// <summary>
    /// A connection on which one batch of statements without a transaction is one write, all or
    /// nothing (a server that runs a batch as one implicit transaction), with the statements that
    /// start such a batch to give it <paramref name="durability"/>; or null to use a write transaction.
    /// None here. Nothing stays locked between round trips of such a write, because there are none: a
    /// node stopped in the middle of one (a GC pause, a frozen VM) holds up no other node.
    /// </summary>
    protected virtual Task<BatchWrite?> OpenBatchWriteAsync(WriteDurability durability, CancellationToken cancellationToken) => Task.FromResult<BatchWrite?>(null);

    /// <summary>A connection for one batch written without a transaction, and the statements that start the batch (<see cref="OpenBatchWriteAsync"/>).</summary>
    protected sealed record BatchWrite(DbConnection Connection, IReadOnlyList<(string Sql, (string Name, object? Value)[] Parameters)> Prelude);

    /// <summary>
    /// Runs <paramref name="work"/> as one batch without a transaction of its own, on a connection of
    /// <see cref="OpenBatchWriteAsync"/>, given the statements the batch must start with; or, where the
    /// store has no such connection, returns null without running it (the caller uses a write transaction).
    /// </summary>
    private async Task<T?> BatchWriteAsync<T>(WriteDurability durability,
        Func<DbConnection, IReadOnlyList<(string Sql, (string Name, object? Value)[] Parameters)>, Task<T>> work, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            if (await OpenBatchWriteAsync(durability, cancellationToken) is not { } write)
            {
                return null;
            }
            await using var connection = write.Connection;
            return await work(connection, write.Prelude);
        }
        catch (DbException ex) when (IsStorageFull(ex))
        {
            throw Full(ex);
        }
    }

    /// <summary>
    /// Runs after a write committed and its transaction (and any write lock) was released, before the
    /// caller is told it succeeded. SQLite makes durable commits durable here, outside its write lock.
    /// </summary>
    protected virtual ValueTask AfterCommitAsync(WriteDurability durability) => ValueTask.CompletedTask;

    /// <summary>Runs a write and turns a unique-key violation into <see cref="StoreConflictException"/>.</summary>
    protected async Task<T> WriteUniqueAsync<T>(string field, string message, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await WriteAsync(work, cancellationToken);
        }
        catch (DbException ex) when (IsUniqueViolation(ex))
        {
            throw new StoreConflictException(field, message);
        }
    }

    /// <summary>How hard a commit must hold on to its data.</summary>
    protected enum WriteDurability
    {
        /// <summary>Survives a power cut once committed (fsync). Accepted messages and everything the API writes.</summary>
        Durable = 0,

        /// <summary>
        /// Survives a process crash but may be lost in a power cut (no fsync of its own; the next
        /// durable commit carries it). For the delivery engine's own bookkeeping — leases and attempt
        /// outcomes — where losing the last moments only means a delivery is sent once more.
        /// </summary>
        Relaxed = 1,
    }

    protected sealed class WriteTransaction : IAsyncDisposable
    {
        private readonly Func<ValueTask>? _release;
        private readonly bool _ownsConnection;
        private bool _committed;

        /// <param name="ownsConnection">
        /// False when the store keeps <paramref name="connection"/> for its next write (SQLite's one
        /// writer); true closes it (returns it to its pool) when the transaction is done.
        /// </param>
        public WriteTransaction(DbConnection connection, DbTransaction transaction, Func<ValueTask>? release = null, bool ownsConnection = true)
        {
            Connection = connection;
            Transaction = transaction;
            _release = release;
            _ownsConnection = ownsConnection;
        }

        public DbConnection Connection { get; }

        public DbTransaction Transaction { get; }

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            // A commit must not be abandoned half-way because a caller stopped waiting.
            await Transaction.CommitAsync(CancellationToken.None);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_committed)
                {
                    try
                    {
                        await Transaction.RollbackAsync(CancellationToken.None);
                    }
                    catch (InvalidOperationException)
                    {
                        // Already completed by the provider after an error.
                    }
                }
            }
            finally
            {
                // Even when the rollback fails (a broken connection), the connection goes back to its
                // pool — which discards a broken one — and the write lock is released; otherwise each
                // such failure would leak a pooled connection for good.
                try
                {
                    try
                    {
                        await Transaction.DisposeAsync();
                    }
                    finally
                    {
                        if (_ownsConnection)
                        {
                            await Connection.DisposeAsync();
                        }
                    }
                }
                finally
                {
                    if (_release is not null)
                    {
                        await _release();
                    }
                }
            }
        }
    }
}
