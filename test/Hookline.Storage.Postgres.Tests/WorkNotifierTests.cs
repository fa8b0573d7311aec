using Hookline.Core.Delivery;
using Hookline.Storage.Postgres.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>LISTEN/NOTIFY between two nodes: each has its own store (pool), signal and notifier.</summary>
public sealed class WorkNotifierTests : PostgresTestBase
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);
    private readonly List<PostgresWorkNotifier> _notifiers = [];

    public override async Task DisposeAsync()
    {
        foreach (var notifier in _notifiers)
        {
            await notifier.StopAsync(CancellationToken.None);
            notifier.Dispose();
        }
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Notify_OnOneNode_WakesTheOtherNodeAtOnce()
    {
        var (a, b) = await StartTwoNodesAsync();

        a.Signal.Notify();
        var woken = await b.Signal.WaitAsync(Soon, TimeProvider.System, CancellationToken.None);

        // Nothing else wakes node b in this test (there is no dispatcher and no poll): the NOTIFY did.
        Assert.True(woken, "node b was not woken");
    }

    [Fact]
    public async Task Notify_OwnNotification_DoesNotWakeTheSenderTwice()
    {
        var (a, b) = await StartTwoNodesAsync();

        a.Signal.Notify();
        Assert.True(await a.Signal.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
        Assert.True(await b.Signal.WaitAsync(Soon, TimeProvider.System, CancellationToken.None));

        // By now node a's own notification has come back on its listening connection too (b got it).
        Assert.False(await a.Signal.WaitAsync(TimeSpan.FromMilliseconds(300), TimeProvider.System, CancellationToken.None));
    }

    [Fact]
    public async Task Notify_ManyAtOnce_AreCoalescedAndTheLastOneStillArrives()
    {
        var (a, b) = await StartTwoNodesAsync();

        for (var i = 0; i < 1000; i++)
        {
            a.Signal.Notify();
        }

        Assert.True(await b.Signal.WaitAsync(Soon, TimeProvider.System, CancellationToken.None));
    }

    [Fact]
    public async Task ListeningConnectionDropped_Reconnects_AndWakesTheNodeAgain()
    {
        var (a, b) = await StartTwoNodesAsync(probe: TimeSpan.FromMilliseconds(200));
        var connections = b.Notifier.Connections;

        await Database.TerminateConnectionsAsync("b");
        await Eventually.HoldsAsync(() => b.Notifier.Connections > connections, TimeSpan.FromSeconds(15), "node b to listen again");
        // Coming back, the node wakes itself once: work may have committed while it was away.
        Assert.True(await b.Signal.WaitAsync(Soon, TimeProvider.System, CancellationToken.None));

        a.Signal.Notify();
        Assert.True(await b.Signal.WaitAsync(Soon, TimeProvider.System, CancellationToken.None), "node b was not woken after reconnecting");
    }

    [Fact]
    public async Task Offer_ReachesOnlyTheNodeItNames_WithItsDeliveries()
    {
        var (a, b) = await StartTwoNodesAsync();
        var toB = new List<DeliveryOffer>();
        var toA = new List<DeliveryOffer>();
        b.Signal.OfferReceived += offer => { lock (toB) { toB.Add(offer); } };
        a.Signal.OfferReceived += offer => { lock (toA) { toA.Add(offer); } };
        var ids = Enumerable.Range(1, 2000).Select(i => 1_000_000_000L + i).ToList();

        // 2,000 ids do not fit one notification (8,000 bytes): they arrive in several, in order.
        a.Signal.Offer(new DeliveryOffer(b.Signal.NodeId, "ep_1", ids));
        a.Signal.Offer(new DeliveryOffer("some-other-node", "ep_1", [7]));

        await Eventually.HoldsAsync(() => { lock (toB) { return toB.Sum(o => o.DeliveryIds.Count) == ids.Count; } }, Soon, "the offer at node b");
        Assert.True(toB.Count > 1);
        Assert.All(toB, o => Assert.Equal((b.Signal.NodeId, "ep_1"), (o.NodeId, o.EndpointId)));
        Assert.Equal(ids, toB.SelectMany(o => o.DeliveryIds));
        await Task.Delay(300);
        Assert.Empty(toA);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("o|node|ep_1|")]
    [InlineData("o|node|ep_1|1,x")]
    [InlineData("o|node|ep_1|-1")]
    [InlineData("o|node|1,2")]
    public void ParseOffer_NotAWellFormedOffer_IsNone(string payload)
    {
        Assert.Null(PostgresWorkNotifier.ParseOffer(payload));
    }

    [Theory]
    [InlineData("o|vm/1/ab|ep_1|1,2", "vm/1/ab", true)]
    [InlineData("o|vm/1/ab|ep_1|1,2", "vm/1/a", false)]
    [InlineData("o|vm/1/ab|ep_1|1,2", "vm/1/abc", false)]
    [InlineData("o|vm/1/abc|ep_1|1,2", "vm/1/ab", false)]
    [InlineData("o|vm/1/ab", "vm/1/ab", false)]
    [InlineData("0123456789abcdef0123456789abcdef", "vm/1/ab", false)]
    public void IsOfferTo_ReadsOnlyTheNodeTheOfferNames(string payload, string nodeId, bool expected)
    {
        Assert.Equal(expected, PostgresWorkNotifier.IsOfferTo(payload, nodeId));
    }

    [Fact]
    public void OfferPayloads_FitPostgresLimitAndParseBack()
    {
        var offer = new DeliveryOffer("vm/123/" + new string('f', 32), "ep_2uYx4bWRkqJZ7Ld9", [.. Enumerable.Range(0, 5000).Select(i => long.MaxValue - i)]);

        var payloads = PostgresWorkNotifier.OfferPayloads(offer).ToList();

        Assert.All(payloads, p => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(p), 1, 7999));
        var parsed = payloads.Select(p => PostgresWorkNotifier.ParseOffer(p)!).ToList();
        Assert.All(parsed, p => Assert.Equal((offer.NodeId, offer.EndpointId), (p.NodeId, p.EndpointId)));
        Assert.Equal(offer.DeliveryIds, parsed.SelectMany(p => p.DeliveryIds));
    }

    [Fact]
    public async Task Stopped_ItsConnectionGoesBackToThePoolNoLongerListening()
    {
        // The store's data source pools connections without Npgsql's session reset (No Reset On
        // Close), so the notifier must stop listening itself. Its own data source holds no other
        // connection, so the one opened after the stop is the listener's.
        await using var dataSource = PostgresHooklineStore.CreateDataSource(Database.ConnectionStringFor("pooled"));
        var options = new PostgresStoreOptions { ConnectionString = Database.ConnectionStringFor("pooled"), NotificationChannel = "hookline_" + Database.Schema };
        var notifier = new PostgresWorkNotifier(dataSource, new DeliverySignal(), options, TimeProvider.System, NullLogger.Instance);
        await notifier.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => notifier.IsListening, TimeSpan.FromSeconds(15), "the notifier to listen");
        var listener = await ListenerPidAsync(new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionStringFor("pooled")).ApplicationName!);
        await notifier.StopAsync(CancellationToken.None);
        notifier.Dispose();

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var channels = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_listening_channels()", connection);
        var listening = (long)(await channels.ExecuteScalarAsync())!;

        Assert.Equal(listener, connection.ProcessID); // the listener's connection, pooled and handed out again
        Assert.Equal(0L, listening);
    }

    /// <summary>The backend of the one connection open under <paramref name="applicationName"/>, seen from a connection outside any pool.</summary>
    private async Task<int> ListenerPidAsync(string applicationName)
    {
        var outside = new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new Npgsql.NpgsqlConnection(outside);
        await connection.OpenAsync();
        await using var query = new Npgsql.NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE application_name = @name", connection);
        query.Parameters.AddWithValue("name", applicationName);
        var pids = new List<int>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }
        return Assert.Single(pids);
    }

    private async Task<(Node A, Node B)> StartTwoNodesAsync(TimeSpan? probe = null)
    {
        var a = await StartNodeAsync("a", Store, probe);
        var b = await StartNodeAsync("b", await NodeAsync("b"), probe);
        await Eventually.HoldsAsync(() => a.Notifier.IsListening && b.Notifier.IsListening, TimeSpan.FromSeconds(15), "both nodes to listen");
        // Each node wakes itself once when it starts listening; take those wake-ups out of the way.
        await a.Signal.WaitAsync(Soon, TimeProvider.System, CancellationToken.None);
        await b.Signal.WaitAsync(Soon, TimeProvider.System, CancellationToken.None);
        return (a, b);
    }

    private async Task<Node> StartNodeAsync(string name, PostgresHooklineStore store, TimeSpan? probe)
    {
        var signal = new DeliverySignal();
        var options = new PostgresStoreOptions { ConnectionString = Database.ConnectionStringFor(name), NotificationChannel = "hookline_" + Database.Schema };
        if (probe is { } interval)
        {
            options.ListenProbeInterval = interval;
        }
        var notifier = new PostgresWorkNotifier(store.DataSource, signal, options, TimeProvider.System, NullLogger.Instance);
        _notifiers.Add(notifier);
        await notifier.StartAsync(CancellationToken.None);
        return new Node(signal, notifier);
    }

    private sealed record Node(DeliverySignal Signal, PostgresWorkNotifier Notifier);
}
