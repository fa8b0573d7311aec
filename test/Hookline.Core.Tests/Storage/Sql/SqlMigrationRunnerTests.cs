using Hookline.Core.Storage.Sql;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Core.Tests.Storage.Sql;

/// <summary>
/// The shared migration runner on its own, over an in-memory SQLite database (the stores' tests run
/// it with their real steps, and on PostgreSQL with its lock).
/// </summary>
public sealed class SqlMigrationRunnerTests : IAsyncLifetime
{
    private const string HistoryTable = "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)";

    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly FakeTimeProvider _time = new(Now);

    public Task InitializeAsync() => _connection.OpenAsync();

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task ApplyAsync_NewDatabase_AppliesEveryStepInListOrderAndRecordsEach()
    {
        // Listed out of name order: the list decides, as it does for steps merged from parallel branches.
        var runner = new SqlMigrationRunner(
        [
            ("0002_table", "CREATE TABLE t (x INTEGER NOT NULL);"),
            ("0001_row", "INSERT INTO t (x) VALUES (1);"),
        ], HistoryTable);

        var applied = await ApplyAsync(runner);

        Assert.Equal(new[] { "0002_table", "0001_row" }, applied);
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM t"));
        Assert.Equal(new[] { "0001_row", "0002_table" }, await RecordedAsync());
        Assert.Equal(Now.ToUnixTimeMilliseconds(), await ScalarAsync("SELECT MIN(applied_at) FROM schema_migrations"));
    }

    [Fact]
    public async Task ApplyAsync_SomeStepsRecordedBefore_AppliesOnlyTheOthersAndKeepsTheOldRecords()
    {
        // A database an earlier release migrated: its history table and records are as it left them.
        await ExecuteAsync(HistoryTable);
        await ExecuteAsync("CREATE TABLE t (x INTEGER NOT NULL); INSERT INTO schema_migrations (name, applied_at) VALUES ('0001_table', 42);");
        var runner = new SqlMigrationRunner(
        [
            ("0001_table", "CREATE TABLE t (x INTEGER NOT NULL);"),
            ("0002_row", "INSERT INTO t (x) VALUES (1);"),
        ], HistoryTable);

        var applied = await ApplyAsync(runner);
        var again = await ApplyAsync(runner);

        Assert.Equal(new[] { "0002_row" }, applied);
        Assert.Empty(again);
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM t"));
        Assert.Equal(42L, await ScalarAsync("SELECT applied_at FROM schema_migrations WHERE name = '0001_table'"));
    }

    [Fact]
    public async Task ApplyAsync_FailingStep_LeavesNothingOfAnyStepWhenRolledBack()
    {
        var runner = new SqlMigrationRunner(
        [
            ("0001_table", "CREATE TABLE t (x INTEGER NOT NULL);"),
            ("0002_broken", "INSERT INTO missing_table (x) VALUES (1);"),
        ], HistoryTable);

        await using (var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync())
        {
            await Assert.ThrowsAsync<SqliteException>(() => runner.ApplyAsync(_connection, transaction, _time, CancellationToken.None));
        }

        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('t', 'schema_migrations')"));
    }

    [Fact]
    public async Task ApplyAsync_LockStatement_RunsInTheTransactionBeforeAnythingElse()
    {
        // The lock statement records whether the history table existed when it ran.
        var runner = new SqlMigrationRunner(
            [("0001_table", "CREATE TABLE t (x INTEGER NOT NULL);")],
            HistoryTable,
            lockSql: "CREATE TABLE lock_probe AS SELECT COUNT(*) AS history FROM sqlite_master WHERE name = 'schema_migrations';");

        await ApplyAsync(runner);

        Assert.Equal(0L, await ScalarAsync("SELECT history FROM lock_probe"));
    }

    private async Task<IReadOnlyList<string>> ApplyAsync(SqlMigrationRunner runner)
    {
        await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync();
        var applied = await runner.ApplyAsync(_connection, transaction, _time, CancellationToken.None);
        await transaction.CommitAsync();
        return applied;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task<List<string>> RecordedAsync()
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name FROM schema_migrations ORDER BY name";
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }
}
