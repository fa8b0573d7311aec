using Hookline.Core.Storage;
using Hookline.Testing;
using Npgsql;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>The inbox's own schema on PostgreSQL, beside a Hookline schema and over what an earlier release left.</summary>
public sealed class InboxMigrationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The platform's step that created the inbox until the inbox owned its schema, as it shipped.</summary>
    private const string PlatformInboxStep = """
        CREATE TABLE inbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, webhook text COLLATE "C" NOT NULL,
            delivery_id text COLLATE "C" NOT NULL, status integer NOT NULL, attempt_count integer NOT NULL,
            next_attempt_at bigint, lease_token text COLLATE "C", received_at bigint NOT NULL, last_attempt_at bigint,
            completed_at bigint, last_error text, verified_timestamp bigint, url text, method text NOT NULL,
            headers text NOT NULL, body bytea NOT NULL,
            UNIQUE (webhook, delivery_id));
        CREATE INDEX ix_inbox_due ON inbox (next_attempt_at) WHERE status IN (1, 3);
        CREATE INDEX ix_inbox_status ON inbox (status, id);
        CREATE INDEX ix_inbox_done ON inbox (completed_at) WHERE status = 4;
        INSERT INTO schema_migrations (name, applied_at) VALUES ('0100_inbox', 42);
        """;

    private readonly PostgresTestDatabase _database = new();

    public Task InitializeAsync() => _database.EnsureCreatedAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    private static NewInboxItem Item(string deliveryId) => new()
    {
        Webhook = "stripe",
        DeliveryId = deliveryId,
        Headers = [new("Stripe-Signature", "t=1,v1=ab")],
        Body = "{\"id\":\"evt\"}"u8.ToArray(),
        ReceivedAt = Start,
    };

    [Fact]
    public async Task MigrateAsync_SchemaWhosePlatformMigrationsCreatedTheInbox_KeepsItsItemsAndWorks()
    {
        long waiting;
        await using (var platform = new PostgresHooklineStore(_database.ConnectionString, TimeProvider.System))
        {
            await platform.MigrateAsync(CancellationToken.None);
        }
        await ExecuteAsync(PlatformInboxStep);
        await using (var before = new PostgresInboxStore(_database.ConnectionString, TimeProvider.System))
        {
            waiting = (await before.InsertInboxItemAsync(Item("evt_before"), CancellationToken.None)).Id;
        }

        await using var inbox = new PostgresInboxStore(_database.ConnectionString, TimeProvider.System);
        await inbox.MigrateAsync(CancellationToken.None);

        Assert.Equal("0009_inbox", await _database.ScalarAsync("SELECT string_agg(name, ',') FROM inbox_schema_migrations"));
        Assert.Equal(1L, await _database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations WHERE name = '0100_inbox'"));
        Assert.True((await inbox.InsertInboxItemAsync(Item("evt_before"), CancellationToken.None)).Duplicate);
        var claimed = await inbox.ClaimInboxItemsAsync(new InboxClaimRequest
        {
            Now = Start.AddSeconds(1),
            LeaseDuration = TimeSpan.FromSeconds(30),
            MaxAttempts = 3,
            Webhooks = ["stripe"],
        }, CancellationToken.None);
        Assert.Equal(waiting, Assert.Single(claimed).Id);
    }

    [Fact]
    public async Task MigrateAsync_BesideAHooklineSchema_EachKeepsItsOwnHistory()
    {
        await using var platform = new PostgresHooklineStore(_database.ConnectionString, TimeProvider.System);
        await using var inbox = new PostgresInboxStore(_database.ConnectionString, TimeProvider.System);

        await Task.WhenAll(platform.MigrateAsync(CancellationToken.None), inbox.MigrateAsync(CancellationToken.None));
        await platform.MigrateAsync(CancellationToken.None);

        Assert.Equal("0009_inbox", await _database.ScalarAsync("SELECT string_agg(name, ',') FROM inbox_schema_migrations"));
        Assert.Equal((long)PostgresMigrations.Steps.Count, await _database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
        Assert.False((await inbox.InsertInboxItemAsync(Item("evt_1"), CancellationToken.None)).Duplicate);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
