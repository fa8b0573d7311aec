using System.Data;
using System.Globalization;
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
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)", cancellationToken);
        await using var current = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection, transaction);
        var version = Convert.ToInt32(await current.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        foreach (var (step, sql) in PostgresMigrations.Steps)
        {
            if (step <= version)
            {
                continue;
            }
            await ExecuteAsync(connection, transaction, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)", connection, transaction);
            record.Parameters.AddWithValue("version", step);
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
