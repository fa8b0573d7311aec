using Microsoft.Data.Sqlite;

namespace Hookline.Samples.Receiver;

/// <summary>
/// The app's own database (a stand-in for yours). The point it shows: a webhook handler runs at
/// least once, so it records the delivery id in the same transaction as its effect. A second run
/// of the same delivery finds the id and changes nothing.
/// </summary>
public sealed class Ledger
{
    private readonly string _connectionString;
    private readonly Lazy<Task> _schema;

    public Ledger(string connectionString)
    {
        _connectionString = connectionString;
        _schema = new Lazy<Task>(CreateSchemaAsync);
    }

    /// <summary>
    /// Runs <paramref name="apply"/> inside a transaction unless <paramref name="deliveryId"/> was
    /// applied already; returns false for such a repeat.
    /// </summary>
    public async Task<bool> ApplyOnceAsync(string deliveryId, Func<SqliteConnection, SqliteTransaction, Task> apply, CancellationToken cancellationToken)
    {
        await _schema.Value;
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = connection.CreateCommand())
        {
            claim.Transaction = transaction;
            claim.CommandText = "INSERT INTO processed_webhooks (delivery_id, processed_at) VALUES ($id, $at) ON CONFLICT DO NOTHING";
            claim.Parameters.AddWithValue("$id", deliveryId);
            claim.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O"));
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false; // Already applied by an earlier run: nothing to do.
            }
        }
        await apply(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<LedgerEntry>> ListAsync(CancellationToken cancellationToken)
    {
        await _schema.Value;
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT source, reference, description, amount FROM entries ORDER BY rowid";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<LedgerEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new LedgerEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));
        }
        return entries;
    }

    public static async Task AddEntryAsync(SqliteConnection connection, SqliteTransaction transaction, LedgerEntry entry, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO entries (source, reference, description, amount) VALUES ($source, $reference, $description, $amount)";
        insert.Parameters.AddWithValue("$source", entry.Source);
        insert.Parameters.AddWithValue("$reference", entry.Reference);
        insert.Parameters.AddWithValue("$description", entry.Description);
        insert.Parameters.AddWithValue("$amount", (object?)entry.Amount ?? DBNull.Value);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task CreateSchemaAsync()
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS processed_webhooks (delivery_id TEXT PRIMARY KEY, processed_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS entries (source TEXT NOT NULL, reference TEXT NOT NULL, description TEXT NOT NULL, amount INTEGER);
            """;
        await command.ExecuteNonQueryAsync();
    }
}

public sealed record LedgerEntry(string Source, string Reference, string Description, long? Amount);
