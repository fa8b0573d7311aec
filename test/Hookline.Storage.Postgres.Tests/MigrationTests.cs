using System.Globalization;

namespace Hookline.Storage.Postgres.Tests;

public sealed class MigrationTests : PostgresTestBase
{
    public override async Task InitializeAsync()
    {
        // No store yet: the tests start from an empty schema.
        await Database.EnsureCreatedAsync();
    }

    [Fact]
    public async Task MigrateAsync_EightNodesStartingAtOnce_AllSucceedAndEachStepIsAppliedOnce()
    {
        var nodes = new List<PostgresHooklineStore>();
        for (var i = 0; i < 8; i++)
        {
            nodes.Add(await NodeAsync("n" + i, migrate: false));
        }

        await Task.WhenAll(nodes.Select(n => Task.Run(() => n.MigrateAsync(CancellationToken.None))));

        Assert.Equal((long)PostgresMigrations.Steps.Count, await CountAsync("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(PostgresMigrations.Steps.Select(s => s.Name).Order(StringComparer.Ordinal),
            await NamesAsync());
        var app = await AddApplicationWithAsync(nodes[^1]);
        Assert.NotNull(await nodes[0].GetApplicationAsync(app, CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_Again_ChangesNothing()
    {
        var node = await NodeAsync("a");
        var app = await AddApplicationWithAsync(node);
        var tables = await CountAsync("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()");

        await node.MigrateAsync(CancellationToken.None);
        await (await NodeAsync("b", migrate: false)).MigrateAsync(CancellationToken.None);

        Assert.Equal((long)PostgresMigrations.Steps.Count, await CountAsync("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(tables, await CountAsync("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"));
        Assert.NotNull(await node.GetApplicationAsync(app, CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_SchemaAnEarlierReleaseMigrated_AppliesOnlyTheNewStepsAndKeepsTheOldRecords()
    {
        // What an earlier release left: its history table, with the steps it knew applied and recorded.
        var known = PostgresMigrations.Steps.Take(PostgresMigrations.Steps.Count - 1).ToList();
        await using (var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var history = new Npgsql.NpgsqlCommand(
                "CREATE TABLE schema_migrations (name text COLLATE \"C\" PRIMARY KEY, applied_at bigint NOT NULL)", connection);
            await history.ExecuteNonQueryAsync();
            foreach (var (name, sql) in known)
            {
                await using var step = new Npgsql.NpgsqlCommand(sql, connection);
                await step.ExecuteNonQueryAsync();
                await using var record = new Npgsql.NpgsqlCommand($"INSERT INTO schema_migrations (name, applied_at) VALUES ('{name}', 42)", connection);
                await record.ExecuteNonQueryAsync();
            }
        }

        var node = await NodeAsync("a");

        Assert.Equal(PostgresMigrations.Steps.Select(s => s.Name).Order(StringComparer.Ordinal), await NamesAsync());
        Assert.Equal((long)known.Count, await CountAsync("SELECT COUNT(*) FROM schema_migrations WHERE applied_at = 42"));
        Assert.NotNull(await node.GetApplicationAsync(await AddApplicationWithAsync(node), CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_SchemaTypes_KeepTheStoreConventions()
    {
        await NodeAsync("a");

        // Ids compare bytewise whatever the database's locale, as SQLite's BINARY does.
        Assert.Equal("C", await Database.ScalarAsync(
            "SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'messages' AND column_name = 'id'"));
        Assert.Equal("bigint", await Database.ScalarAsync(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'deliveries' AND column_name = 'next_attempt_at'"));
        Assert.Equal("bytea", await Database.ScalarAsync(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'messages' AND column_name = 'payload'"));
    }

    private static async Task<string> AddApplicationWithAsync(PostgresHooklineStore node)
    {
        var app = new Core.Model.Application
        {
            Id = Core.Ids.HooklineIds.New(Core.Ids.HooklineIds.Application, Start),
            Name = "app",
            CreatedAt = Start,
            UpdatedAt = Start,
        };
        await node.CreateApplicationAsync(app, CancellationToken.None);
        return app.Id;
    }

    private async Task<List<string>> NamesAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT name FROM schema_migrations ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }

    private async Task<long> CountAsync(string sql) => Convert.ToInt64(await Database.ScalarAsync(sql), CultureInfo.InvariantCulture);
}
