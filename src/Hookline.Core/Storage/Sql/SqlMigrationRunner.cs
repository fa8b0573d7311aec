using System.Data.Common;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// Applies a SQL store's schema: named steps, applied in list order and recorded by name in a
/// history table (<c>schema_migrations</c> for the platform's schema; the receiver inbox, which may
/// share a database with it, keeps <c>inbox_schema_migrations</c>); a step runs when its name is not
/// recorded yet, so steps written on parallel branches merge without renumbering. Written once for
/// every database; each store gives what differs: its steps, the history table in its own types, the
/// statement (if any) that makes stores migrating at once take turns, and — through <see cref="SqlHooklineStore.MigrateAsync"/>,
/// which runs the steps in the store's write transaction — how that transaction begins.
/// </summary>
/// <remarks>
/// DDL is transactional on both databases Hookline runs on, so all pending steps run in one
/// transaction: a failing step leaves the schema as it was, and a node that migrates after another
/// finds the steps recorded and does nothing.
/// </remarks>
public sealed class SqlMigrationRunner
{

    /// <param name="steps">The schema, in the order its steps are applied. Never edit a step that has shipped; add one.</param>
    /// <param name="createHistoryTableSql">
    /// <c>CREATE TABLE IF NOT EXISTS schema_migrations (name …, applied_at …)</c> in the database's own
    /// types. Existing databases have this table already, so its name and columns stay as they are:
    /// <c>name</c> the step's name, <c>applied_at</c> Unix milliseconds.
    /// </param>
    /// <param name="lockSql">
    /// Run first in the transaction where beginning it does not already keep two migrations apart
    /// (PostgreSQL, whose writers run in parallel: an advisory lock held to the end of the
    /// transaction). Null where it does (SQLite: the write transaction holds the file's write lock).
    /// </param>
    /// <param name="historyTable">
    /// The history table <paramref name="createHistoryTableSql"/> creates: <c>schema_migrations</c> unless
    /// a schema that may share a database with another (the receiver inbox) keeps its own.
    /// </param>
    public SqlMigrationRunner(IReadOnlyList<(string Name, string Sql)> steps, string createHistoryTableSql, string? lockSql = null, string historyTable = "schema_migrations")
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentException.ThrowIfNullOrWhiteSpace(createHistoryTableSql);
        ArgumentException.ThrowIfNullOrWhiteSpace(historyTable);
        Steps = steps;
        CreateHistoryTableSql = createHistoryTableSql;
        LockSql = lockSql;
        HistoryTable = historyTable;
    }

    internal IReadOnlyList<(string Name, string Sql)> Steps { get; }

    internal string CreateHistoryTableSql { get; }

    internal string? LockSql { get; }

    internal string HistoryTable { get; }

    /// <summary>Applies the steps not recorded yet inside <paramref name="transaction"/>, which the caller commits.</summary>
    /// <returns>The names of the steps applied, in order; empty when the schema was current.</returns>
    internal async Task<IReadOnlyList<string>> ApplyAsync(DbConnection connection, DbTransaction transaction, TimeProvider time, CancellationToken cancellationToken)
    {
        if (LockSql is not null)
        {
            await connection.ExecuteAsync(transaction, LockSql, cancellationToken);
        }
        await connection.ExecuteAsync(transaction, CreateHistoryTableSql, cancellationToken);
        var recorded = (await connection.QueryAsync(transaction, $"SELECT name FROM {HistoryTable}", r => r.GetString(0), cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var applied = new List<string>();
        foreach (var (name, sql) in Steps)
        {
            if (recorded.Contains(name))
            {
                continue;
            }
            await connection.ExecuteAsync(transaction, sql, cancellationToken);
            await connection.ExecuteAsync(transaction, $"INSERT INTO {HistoryTable} (name, applied_at) VALUES (@name, @at)", cancellationToken, ("@name", name), ("@at", time.GetUtcNow()));
            applied.Add(name);
        }
        return applied;
    }
}
