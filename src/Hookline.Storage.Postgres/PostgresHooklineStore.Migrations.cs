using System.Data;
using Npgsql;

namespace Hookline.Storage.Postgres;

public sealed partial class PostgresHooklineStore
{
    /// <summary>
    /// Applies the steps of <see cref="PostgresMigrations"/> not yet recorded, in one transaction.
    /// Nodes starting together queue on a transaction-scoped advisory lock (keyed by the schema, so
    /// Hookline schemas side by side in one database do not wait for each other): the first applies
    /// the steps, the others then find them recorded and do nothing. A failing step rolls back whole.
    /// </summary>
    public override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await ExecuteAsync(connection, transaction,
            "SELECT pg_advisory_xact_lock(hashtextextended('hookline.migrations:' || COALESCE(current_schema(), ''), 0))", cancellationToken);
        await ExecuteAsync(connection, transaction,
            "CREATE TABLE IF NOT EXISTS schema_migrations (name text COLLATE \"C\" PRIMARY KEY, applied_at bigint NOT NULL)", cancellationToken);
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var current = new NpgsqlCommand("SELECT name FROM schema_migrations", connection, transaction))
        await using (var reader = await current.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }
        foreach (var (name, sql) in PostgresMigrations.Steps)
        {
            if (applied.Contains(name))
            {
                continue;
            }
            await ExecuteAsync(connection, transaction, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (name, applied_at) VALUES (@name, @at)", connection, transaction);
            record.Parameters.AddWithValue("name", name);
            record.Parameters.AddWithValue("at", Time.GetUtcNow().ToUnixTimeMilliseconds());
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
