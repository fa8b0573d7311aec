using Hookline.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Hookline.Storage.Sqlite.Tests;

/// <summary>The inbox's own schema on SQLite, and the files an earlier release left.</summary>
public sealed class SqliteInboxStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The platform's step that created the inbox until the inbox owned its schema, as it shipped.</summary>
    private const string PlatformInboxStep = """
        CREATE TABLE inbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT, webhook TEXT NOT NULL, delivery_id TEXT NOT NULL,
            status INTEGER NOT NULL, attempt_count INTEGER NOT NULL, next_attempt_at INTEGER, lease_token TEXT,
            received_at INTEGER NOT NULL, last_attempt_at INTEGER, completed_at INTEGER, last_error TEXT,
            verified_timestamp INTEGER, url TEXT, method TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
            UNIQUE (webhook, delivery_id));
        CREATE INDEX ix_inbox_due ON inbox (next_attempt_at) WHERE status IN (1, 3);
        CREATE INDEX ix_inbox_status ON inbox (status, id);
        CREATE INDEX ix_inbox_done ON inbox (completed_at) WHERE status = 4;
        INSERT INTO schema_migrations (name, applied_at) VALUES ('0100_inbox', 42);
        """;

    private readonly TemporaryDatabaseFile _file = new();

    public void Dispose() => _file.Dispose();

    private static NewInboxItem Item(string deliveryId) => new()
    {
        Webhook = "stripe",
        DeliveryId = deliveryId,
        Headers = [new("Stripe-Signature", "t=1,v1=ab")],
        Body = "{\"id\":\"evt\"}"u8.ToArray(),
        ReceivedAt = Start,
    };

    [Fact]
    public async Task MigrateAsync_FileWhosePlatformMigrationsCreatedTheInbox_KeepsItsItemsAndWorks()
    {
        // What the receiver left before the inbox owned its schema: the whole platform schema, the
        // inbox table among it, and an event waiting in it.
        long waiting;
        using (var platform = new SqliteHooklineStore(_file.ConnectionString, TimeProvider.System))
        {
            await platform.MigrateAsync(CancellationToken.None);
        }
        await ExecuteAsync(PlatformInboxStep);
        using (var before = new SqliteInboxStore(_file.ConnectionString, TimeProvider.System))
        {
            // Written with the inbox SQL, without migrating: exactly what the earlier release wrote.
            waiting = (await before.InsertInboxItemAsync(Item("evt_before"), CancellationToken.None)).Id;
        }

        using var inbox = new SqliteInboxStore(_file.ConnectionString, TimeProvider.System);
        await inbox.MigrateAsync(CancellationToken.None);

        Assert.Equal(["0009_inbox"], await NamesAsync("SELECT name FROM inbox_schema_migrations"));
        Assert.Contains("0100_inbox", await NamesAsync("SELECT name FROM schema_migrations"));
        Assert.True((await inbox.InsertInboxItemAsync(Item("evt_before"), CancellationToken.None)).Duplicate);
        var claimed = await inbox.ClaimInboxItemsAsync(new InboxClaimRequest
        {
            Now = Start.AddSeconds(1),
            LeaseDuration = TimeSpan.FromSeconds(30),
            MaxAttempts = 3,
            Webhooks = ["stripe"],
        }, CancellationToken.None);
        Assert.Equal(waiting, Assert.Single(claimed).Id);
        Assert.False((await inbox.InsertInboxItemAsync(Item("evt_after"), CancellationToken.None)).Duplicate);
    }

    [Fact]
    public async Task MigrateAsync_NewFile_CreatesOnlyTheInboxAndItsHistory()
    {
        using var inbox = new SqliteInboxStore(_file.Path, TimeProvider.System);

        await inbox.MigrateAsync(CancellationToken.None);
        await inbox.MigrateAsync(CancellationToken.None);

        Assert.Equal(["inbox", "inbox_schema_migrations"],
            await NamesAsync("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
        Assert.Equal(["0009_inbox"], await NamesAsync("SELECT name FROM inbox_schema_migrations"));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(_file.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> NamesAsync(string sql)
    {
        await using var connection = new SqliteConnection(_file.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }
}
