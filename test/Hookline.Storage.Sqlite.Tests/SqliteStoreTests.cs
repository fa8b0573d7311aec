using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Hookline.Storage.Sqlite.Tests;

/// <summary>What only the SQLite store has: the file, its journal mode, and processes sharing it.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly List<TemporaryDatabaseFile> _files = [];

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private TemporaryDatabaseFile NewFile()
    {
        var file = new TemporaryDatabaseFile();
        _files.Add(file);
        return file;
    }

    [Fact]
    public async Task MigrateAsync_FreshFileFromSeveralStoresAtOnce_AllSucceedAndApplyEachStepOnce()
    {
        // Several processes starting together on a file none of them created yet; a few rounds,
        // since who wins the race differs from run to run.
        for (var round = 0; round < 4; round++)
        {
            var file = NewFile();
            var stores = Enumerable.Range(0, 4).Select(_ => new SqliteHooklineStore(file.ConnectionString, TimeProvider.System)).ToList();
            try
            {
                await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(CancellationToken.None))));

                Assert.Equal(SqliteMigrations.Steps.Select(s => s.Name).Order(StringComparer.Ordinal), await AppliedStepsAsync(file));
                var app = new Application { Id = HooklineIds.New(HooklineIds.Application, TimeProvider.System), Name = "a", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };
                await stores[0].CreateApplicationAsync(app, CancellationToken.None);
                Assert.NotNull(await stores[3].GetApplicationAsync(app.Id, CancellationToken.None));
            }
            finally
            {
                stores.ForEach(s => s.Dispose());
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_Again_RecordsNothingNew()
    {
        var file = NewFile();
        using var store = new SqliteHooklineStore(file.ConnectionString, TimeProvider.System);
        await store.MigrateAsync(CancellationToken.None);
        var first = await AppliedStepsAsync(file);

        await store.MigrateAsync(CancellationToken.None);

        Assert.Equal(first, await AppliedStepsAsync(file));
        Assert.Equal(SqliteMigrations.Steps.Count, first.Count);
    }

    [Fact]
    public async Task MigrateAsync_FileAnEarlierReleaseMigrated_AppliesOnlyTheNewStepsAndKeepsTheOldRecords()
    {
        // What an earlier release left: its history table, with the steps it knew applied and recorded.
        var file = NewFile();
        var known = SqliteMigrations.Steps.Take(SqliteMigrations.Steps.Count - 1).ToList();
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file.Path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var history = connection.CreateCommand();
            history.CommandText = "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)";
            await history.ExecuteNonQueryAsync();
            foreach (var (name, sql) in known)
            {
                await using var step = connection.CreateCommand();
                step.CommandText = sql;
                await step.ExecuteNonQueryAsync();
                await using var record = connection.CreateCommand();
                record.CommandText = $"INSERT INTO schema_migrations (name, applied_at) VALUES ('{name}', 42)";
                await record.ExecuteNonQueryAsync();
            }
        }
        using var store = new SqliteHooklineStore(file.ConnectionString, TimeProvider.System);

        await store.MigrateAsync(CancellationToken.None);

        Assert.Equal(SqliteMigrations.Steps.Select(s => s.Name).Order(StringComparer.Ordinal), await AppliedStepsAsync(file));
        Assert.Equal(known.Select(s => s.Name).Order(StringComparer.Ordinal), await AppliedStepsAsync(file, "WHERE applied_at = 42"));
        var app = new Application { Id = HooklineIds.New(HooklineIds.Application, TimeProvider.System), Name = "a", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };
        await store.CreateApplicationAsync(app, CancellationToken.None);
        Assert.NotNull(await store.GetApplicationAsync(app.Id, CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_NewFile_UsesWriteAheadLog()
    {
        var file = NewFile();
        using var store = new SqliteHooklineStore(file.ConnectionString, TimeProvider.System);

        await store.MigrateAsync(CancellationToken.None);

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file.Path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task ForDirectory_MissingFolder_CreatesFileThere()
    {
        var folder = Path.Combine(Path.GetTempPath(), "hookline-store-tests", Guid.NewGuid().ToString("N"), "data");
        try
        {
            using var store = SqliteHooklineStore.ForDirectory(folder, TimeProvider.System);
            await store.MigrateAsync(CancellationToken.None);

            Assert.Equal(Path.Combine(folder, "hookline.db"), store.DataSource);
            Assert.True(File.Exists(store.DataSource));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public async Task Writes_AreCountedAsTimeTheWriterWasHeld_ByDurability()
    {
        var held = new System.Collections.Concurrent.ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Hookline.Core.Diagnostics.HooklineTelemetry.Name && instrument.Name == "hookline.sqlite.write_lock.held")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "durability")
                {
                    held.AddOrUpdate((string)tag.Value!, seconds, (_, sum) => sum + seconds);
                }
            }
        });
        listener.Start();
        var file = NewFile();
        using var store = new SqliteHooklineStore(file.ConnectionString, TimeProvider.System);
        await store.MigrateAsync(CancellationToken.None);

        var now = DateTimeOffset.UtcNow;
        await store.CreateApplicationAsync(new Application { Id = HooklineIds.New(HooklineIds.Application, now), Name = "metered", CreatedAt = now, UpdatedAt = now }, CancellationToken.None);
        await store.RenewOwnershipAsync(new OwnershipRequest { NodeId = "node-metered", Now = now, Lease = TimeSpan.FromSeconds(30) }, CancellationToken.None);

        // Other tests write beside this one, so only that both kinds were counted, with some time each.
        Assert.True(held.TryGetValue("durable", out var durable) && durable > 0, "no durable write was counted");
        Assert.True(held.TryGetValue("relaxed", out var relaxed) && relaxed > 0, "no relaxed write was counted");
        Assert.Equal(["durable", "relaxed"], held.Keys.Order(StringComparer.Ordinal));
    }

    private static async Task<List<string>> AppliedStepsAsync(TemporaryDatabaseFile file, string where = "")
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file.Path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM schema_migrations {where} ORDER BY name";
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }
}
