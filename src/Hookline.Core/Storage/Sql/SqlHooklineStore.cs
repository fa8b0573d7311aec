using System.Data.Common;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// The store written once in portable SQL over ADO.NET; SQLite and PostgreSQL subclass it with their
/// connections, write transactions, schema and the few places where the dialects differ (row locks
/// for claims). Conventions: ids are text compared in binary order, times are Unix milliseconds,
/// booleans 0/1, lists and maps JSON text.
/// </summary>
public abstract partial class SqlHooklineStore : IHooklineStore
{
    protected SqlHooklineStore(TimeProvider time)
    {
        Time = time;
    }

    protected TimeProvider Time { get; }

    /// <summary>Appended to claim selects: <c>FOR UPDATE SKIP LOCKED</c> where the database has row locks.</summary>
    protected virtual string SkipLockedClause => "";

    /// <summary>Appended to a select of endpoint rows whose throttle and concurrency bookkeeping a claim updates.</summary>
    protected virtual string LockEndpointsClause => "";

    public abstract Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>A connection for reads.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>A connection with a write transaction open (and, for SQLite, the process's write lock held).</summary>
    protected abstract Task<WriteTransaction> BeginWriteAsync(CancellationToken cancellationToken);

    protected abstract bool IsUniqueViolation(DbException exception);

    protected async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await work(connection);
    }

    protected async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var write = await BeginWriteAsync(cancellationToken);
        var result = await work(write.Connection, write.Transaction);
        await write.CommitAsync(cancellationToken);
        return result;
    }

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

    protected sealed class WriteTransaction : IAsyncDisposable
    {
        private readonly Func<ValueTask>? _release;
        private bool _committed;

        public WriteTransaction(DbConnection connection, DbTransaction transaction, Func<ValueTask>? release = null)
        {
            Connection = connection;
            Transaction = transaction;
            _release = release;
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
                await Transaction.DisposeAsync();
                await Connection.DisposeAsync();
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
