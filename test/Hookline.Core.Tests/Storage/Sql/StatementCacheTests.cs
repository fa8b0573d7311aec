using Hookline.Core.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Hookline.Core.Tests.Storage.Sql;

/// <summary>
/// Statements kept compiled on a long-lived connection (SQLite's writer), counted by what SQLite
/// itself holds: <c>sqlite3_next_stmt</c> lists every statement compiled on the handle and not yet
/// finalized.
/// </summary>
public sealed class StatementCacheTests : IAsyncLifetime
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public async Task InitializeAsync()
    {
        await _connection.OpenAsync();
        _connection.Handle!.enable_sqlite3_next_stmt(true);
        await using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (x INTEGER NOT NULL)";
        await create.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        StatementCache.Detach(_connection);
        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task SameText_RunTwice_CompiledOnceAndBoundWithTheNewValues()
    {
        StatementCache.Attach(_connection, capacity: 8);

        Assert.Equal(1L, await _connection.ScalarAsync(null, "SELECT @x", CancellationToken.None, ("@x", 1L)));
        Assert.Equal(2L, await _connection.ScalarAsync(null, "SELECT @x", CancellationToken.None, ("@x", 2L)));
        await using (var transaction = await _connection.BeginTransactionAsync())
        {
            // A kept command takes the transaction it is rented under.
            await _connection.ExecuteAsync(transaction, "INSERT INTO t (x) VALUES (@x)", CancellationToken.None, ("@x", 3L));
            await _connection.ExecuteAsync(transaction, "INSERT INTO t (x) VALUES (@x)", CancellationToken.None, ("@x", 4L));
            await transaction.CommitAsync();
        }

        Assert.Equal([3L, 4L], await _connection.QueryAsync(null, "SELECT x FROM t ORDER BY x", r => r.GetInt64(0), CancellationToken.None));
        Assert.Equal(3, CompiledStatements());
    }

    [Fact]
    public async Task WithoutACache_EveryCommandFinalizesItsStatement()
    {
        Assert.Equal(1L, await _connection.ScalarAsync(null, "SELECT @x", CancellationToken.None, ("@x", 1L)));

        Assert.Equal(0, CompiledStatements());
    }

    [Fact]
    public async Task SameTextRentedTwiceAtOnce_BothRunAndOneIsKept()
    {
        StatementCache.Attach(_connection, capacity: 8);

        await using (var first = _connection.Command(null, "SELECT @x", ("@x", 1L)))
        await using (var second = _connection.Command(null, "SELECT @x", ("@x", 2L)))
        {
            Assert.Equal(1L, await first.ExecuteScalarAsync());
            Assert.Equal(2L, await second.ExecuteScalarAsync());
        }

        Assert.Equal(1, CompiledStatements());
    }

    [Fact]
    public async Task PastCapacity_TheTextIdleLongestIsFinalized_AndDetachFinalizesTheRest()
    {
        StatementCache.Attach(_connection, capacity: 2);
        const string Hot = "SELECT x FROM t";

        // Texts built per call fill the cache first; a statement that then runs all the time still
        // gets kept, and stays while further one-off texts come and go.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((long)i, await _connection.ScalarAsync(null, $"SELECT {i}", CancellationToken.None));
        }
        for (var i = 3; i < 6; i++)
        {
            await _connection.QueryAsync(null, Hot, r => r.GetInt64(0), CancellationToken.None);
            Assert.Equal((long)i, await _connection.ScalarAsync(null, $"SELECT {i}", CancellationToken.None));
        }
        Assert.Equal(["SELECT 5", Hot], CompiledTexts().Order(StringComparer.Ordinal));

        StatementCache.Detach(_connection);
        Assert.Equal(0, CompiledStatements());
        // Detached: commands are plain again.
        Assert.Equal(7L, await _connection.ScalarAsync(null, "SELECT 7", CancellationToken.None));
        Assert.Equal(0, CompiledStatements());
    }

    [Fact]
    public async Task TextSetAfterRenting_KeptUnderTheTextItRan()
    {
        StatementCache.Attach(_connection, capacity: 8);

        await using (var command = _connection.Command(null, "", ("@x", 5L)))
        {
            command.CommandText = "SELECT @x";
            Assert.Equal(5L, await command.ExecuteScalarAsync());
        }
        Assert.Equal(6L, await _connection.ScalarAsync(null, "SELECT @x", CancellationToken.None, ("@x", 6L)));

        Assert.Equal(1, CompiledStatements());
    }

    private List<string> CompiledTexts()
    {
        var texts = new List<string>();
        for (var statement = SQLitePCL.raw.sqlite3_next_stmt(_connection.Handle!, null); statement is not null && !statement.IsInvalid;
             statement = SQLitePCL.raw.sqlite3_next_stmt(_connection.Handle!, statement))
        {
            texts.Add(SQLitePCL.raw.sqlite3_sql(statement).utf8_to_string());
        }
        return texts;
    }

    private int CompiledStatements() => CompiledTexts().Count;
}
