using Npgsql;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// The start of a relaxed write sent as one batch without a transaction (a claim, a batch of
/// outcomes): its commit must not wait for the WAL flush, the setting must end with the batch (the
/// connection goes back to the pool and may write accepted messages next), and the server must not
/// log anything for it (it runs for every claim and every batch of outcomes).
/// </summary>
public sealed class RelaxedBatchTests : PostgresTestBase
{
    [Fact]
    public async Task RelaxedPrelude_TurnsOffTheFlushWaitForTheBatchOnly_AndTheServerSaysNothing()
    {
        // The test server flushes nothing anyway; this connection asks for the production default.
        await using var source = NpgsqlDataSource.Create(Database.ConnectionStringFor("a") + ";Options=-c synchronous_commit=on");
        await using var connection = await source.OpenConnectionAsync();
        var notices = new List<string>();
        connection.Notice += (_, e) => notices.Add($"{e.Notice.Severity}: {e.Notice.MessageText}");

        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var (sql, _) in PostgresHooklineStore.RelaxedBatchPrelude)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
            }
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT current_setting('synchronous_commit')"));
            var results = new List<string>();
            await using var reader = await batch.ExecuteReaderAsync();
            do
            {
                while (reader.FieldCount > 0 && await reader.ReadAsync())
                {
                    results.Add(reader.GetString(0));
                }
            }
            while (await reader.NextResultAsync());
            // Only the query's result has columns: the prelude's rows are never mistaken for the query's.
            Assert.Equal(["off"], results);
        }

        await using var after = new NpgsqlCommand("SELECT current_setting('synchronous_commit')", connection);
        Assert.Equal("on", await after.ExecuteScalarAsync());
        Assert.Empty(notices);
    }
}
