using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// Commands kept prepared on one long-lived connection, one per statement text. A provider that
/// compiles a statement per command object and keeps no cache of its own (Microsoft.Data.Sqlite)
/// otherwise compiles every statement anew on each call: measured on SQLite's writer, parsing and
/// planning were about 40 % of the time spent in SQLite. <see cref="SqlCommands.Command"/> hands out
/// a cached command for a connection that has a cache, and its disposal hands it back.
/// </summary>
internal sealed class StatementCache
{
    private static readonly ConditionalWeakTable<DbConnection, StatementCache> Caches = [];
    private readonly Dictionary<string, LinkedListNode<DbCommand>> _idle = new(StringComparer.Ordinal);
    // Most recently returned first: past the capacity the one idle longest is finalized, so texts
    // built per call (which run once) cannot crowd out the statements that run all the time.
    private readonly LinkedList<DbCommand> _recent = new();
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private bool _closed;

    private StatementCache(int capacity) => _capacity = capacity;

    /// <summary>Keeps up to <paramref name="capacity"/> statements prepared on <paramref name="connection"/> until <see cref="Detach"/>.</summary>
    public static void Attach(DbConnection connection, int capacity) => Caches.AddOrUpdate(connection, new StatementCache(capacity));

    /// <summary>Disposes the statements kept on <paramref name="connection"/> and keeps no more; call before the connection closes.</summary>
    public static void Detach(DbConnection connection)
    {
        if (Caches.TryGetValue(connection, out var cache))
        {
            Caches.Remove(connection);
            cache.Close();
        }
    }

    public static bool TryGet(DbConnection connection, [NotNullWhen(true)] out StatementCache? cache) => Caches.TryGetValue(connection, out cache);

    /// <summary>The idle command for <paramref name="sql"/>, or a new one; either way it comes back on disposal.</summary>
    public DbCommand Rent(DbConnection connection, DbTransaction? transaction, string sql)
    {
        DbCommand? command = null;
        lock (_lock)
        {
            if (_idle.Remove(sql, out var node))
            {
                _recent.Remove(node);
                command = node.Value;
            }
        }
        if (command is null)
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
        }
        command.Transaction = transaction;
        return new Kept(this, command);
    }

    private void Return(DbCommand command)
    {
        // What to finalize: this command unless it is kept, or the one it pushes out.
        DbCommand? finalize = command;
        lock (_lock)
        {
            // Kept under the text it has now (a caller may have set it after renting); one idle command a text.
            if (!_closed && command.CommandText is { Length: > 0 } sql && !_idle.ContainsKey(sql))
            {
                command.Transaction = null;
                _idle[sql] = _recent.AddFirst(command);
                finalize = null;
                if (_idle.Count > _capacity)
                {
                    finalize = _recent.Last!.Value;
                    _recent.RemoveLast();
                    _idle.Remove(finalize.CommandText);
                }
            }
        }
        finalize?.Dispose();
    }

    private void Close()
    {
        List<DbCommand> idle;
        lock (_lock)
        {
            _closed = true;
            idle = [.. _recent];
            _idle.Clear();
            _recent.Clear();
        }
        foreach (var command in idle)
        {
            command.Dispose();
        }
    }

    /// <summary>The command a caller holds: every member goes to the kept command, and disposal returns it to the cache instead of finalizing its statement.</summary>
    private sealed class Kept(StatementCache cache, DbCommand inner) : DbCommand
    {
        private bool _returned;

        [AllowNull]
        public override string CommandText { get => inner.CommandText; set => inner.CommandText = value; }

        public override int CommandTimeout { get => inner.CommandTimeout; set => inner.CommandTimeout = value; }

        public override CommandType CommandType { get => inner.CommandType; set => inner.CommandType = value; }

        public override bool DesignTimeVisible { get => inner.DesignTimeVisible; set => inner.DesignTimeVisible = value; }

        public override UpdateRowSource UpdatedRowSource { get => inner.UpdatedRowSource; set => inner.UpdatedRowSource = value; }

        protected override DbConnection? DbConnection { get => inner.Connection; set => inner.Connection = value; }

        protected override DbParameterCollection DbParameterCollection => inner.Parameters;

        protected override DbTransaction? DbTransaction { get => inner.Transaction; set => inner.Transaction = value; }

        public override void Cancel() => inner.Cancel();

        public override int ExecuteNonQuery() => inner.ExecuteNonQuery();

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => inner.ExecuteNonQueryAsync(cancellationToken);

        public override object? ExecuteScalar() => inner.ExecuteScalar();

        public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => inner.ExecuteScalarAsync(cancellationToken);

        public override void Prepare() => inner.Prepare();

        protected override DbParameter CreateDbParameter() => inner.CreateParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => inner.ExecuteReader(behavior);

        protected override Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
            inner.ExecuteReaderAsync(behavior, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_returned)
            {
                _returned = true;
                cache.Return(inner);
            }
            base.Dispose(disposing);
        }
    }
}
