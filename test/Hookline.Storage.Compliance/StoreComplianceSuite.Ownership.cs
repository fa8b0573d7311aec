using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>
/// Endpoint ownership: one live owner per endpoint, taken over only when its lease runs out (what the
/// old owner leased is then pending again), renewed by heartbeat, given up on request; claims only
/// for endpoints the node owns, and each endpoint's share of a claim bounded by what was asked.
/// </summary>
public abstract partial class StoreComplianceSuite
{
    private static OwnershipRequest Ownership(string node, DateTimeOffset now, int max = 100, IReadOnlyCollection<string>? exclude = null) =>
        new() { NodeId = node, Now = now, Lease = Lease, MaxEndpoints = max, Exclude = exclude ?? [] };

    [Fact]
    public async Task AcquireEndpointsAsync_EndpointWithDueWork_TakenByOneNodeOnly()
    {
        var app = await AddApplicationAsync();
        var busy = await AddEndpointAsync(app, ordered: true, maxConcurrency: 3, throttleRate: 7);
        var idle = await AddEndpointAsync(app);
        await AddMessagesAsync(app, busy, 2);

        var taken = Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-a", Start), None));
        Assert.Equal(new OwnedEndpoint(busy.Id, true, 3, 7), taken);
        Assert.DoesNotContain(idle.Id, (await Store.AcquireEndpointsAsync(Ownership("node-a", Start), None)).Select(x => x.Id));

        // Another node gets nothing while node-a's lease is live, even an instant before it ends.
        var other = await CreateStoreAsync();
        Assert.Empty(await other.AcquireEndpointsAsync(Ownership("node-b", Start + Lease - TimeSpan.FromMilliseconds(1)), None));
        Assert.Empty(await ClaimAsync(Start.AddSeconds(1), node: "node-b", store: other));
        Assert.Single(await ClaimAsync(Start.AddSeconds(1), node: "node-a"));
    }

    [Fact]
    public async Task AcquireEndpointsAsync_ManyNodesAtOnce_EachEndpointHasOneOwner()
    {
        var app = await AddApplicationAsync();
        for (var i = 0; i < 12; i++)
        {
            await AddMessagesAsync(app, await AddEndpointAsync(app), 1);
        }
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        // Eight nodes at once, in rounds (as the engine retries): where the database runs them in
        // parallel, nodes that chose the same candidates may get fewer than they asked for this
        // round, but never an endpoint another node has. Within a few rounds every one is owned.
        var ids = new List<string>();
        for (var round = 0; round < 5 && ids.Count < 12; round++)
        {
            var taken = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
                stores[i % 2].AcquireEndpointsAsync(Ownership($"node-{i}", Start, max: 3), None))));
            Assert.All(taken, x => Assert.True(x.Count <= 3));
            ids.AddRange(taken.SelectMany(x => x.Select(e => e.Id)));
        }
        Assert.Equal(12, ids.Count);
        Assert.Equal(12, ids.Distinct().Count());
    }

    [Fact]
    public async Task AcquireEndpointsAsync_OwnerLeaseRanOut_TakenOverAndItsLeasesPendingAgain()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var messages = await AddMessagesAsync(app, endpoint, 3);
        var held = await ClaimAsync(Start, perEndpoint: 2, node: "node-a");
        Assert.Equal(2, held.Count);

        // node-a dies. node-b takes the endpoint once node-a's lease has run out, not before.
        Assert.Empty(await Store.AcquireEndpointsAsync(Ownership("node-b", Start + Lease - TimeSpan.FromSeconds(1)), None));
        var takeover = Start + Lease + TimeSpan.FromMilliseconds(1);
        Assert.Equal([endpoint.Id], (await Store.AcquireEndpointsAsync(Ownership("node-b", takeover), None)).Select(x => x.Id));

        // What node-a had leased is pending again, the lost try counted; the third was never leased.
        foreach (var message in messages)
        {
            var delivery = await GetDeliveryAsync(message, endpoint);
            Assert.Equal(MessageStatus.Pending, delivery.Status);
            Assert.Equal(held.Any(h => h.Message.Id == message.Id) ? 1 : 0, delivery.AttemptCount);
        }
        var again = await ClaimAsync(takeover, node: "node-b");
        Assert.Equal(3, again.Count);
        Assert.Empty(await ClaimAsync(takeover, node: "node-a"));

        // node-a's late answer is recorded as an attempt but does not move the delivery node-b holds.
        await Store.CompleteAsync([Succeeded(held[0], takeover.AddSeconds(1))], None);
        Assert.Equal(MessageStatus.Sending, (await GetDeliveryAsync(held[0].Message, endpoint)).Status);
    }

    [Fact]
    public async Task AcquireEndpointsAsync_OwnerDiedWithOnlyLeasedWork_TakenOverWhenTheDeliveryLeaseRunsOut()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, endpoint);
        Assert.Single(await ClaimAsync(Start, node: "node-a"));

        // Nothing is pending; the leased row whose lease ran out is what makes the endpoint due.
        var later = Start + Lease + TimeSpan.FromSeconds(1);
        Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-b", later), None));
        Assert.Equal(1, (await GetDeliveryAsync(message, endpoint)).AttemptCount);
        Assert.Single(await ClaimAsync(later, node: "node-b"));
    }

    [Fact]
    public async Task AcquireEndpointsAsync_ExcludedOrDisabled_NotTaken()
    {
        var app = await AddApplicationAsync();
        var excluded = await AddEndpointAsync(app);
        var disabled = await AddEndpointAsync(app, disabled: true);
        await AddMessageAsync(app, [excluded, disabled]);

        Assert.Empty(await Store.AcquireEndpointsAsync(Ownership("node-a", Start.AddSeconds(1), exclude: [excluded.Id]), None));
        Assert.Equal([excluded.Id], (await Store.AcquireEndpointsAsync(Ownership("node-a", Start.AddSeconds(1)), None)).Select(x => x.Id));
    }

    [Fact]
    public async Task RenewOwnershipAsync_Heartbeat_KeepsEndpointsAndCountsNodes()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app);
        var second = await AddEndpointAsync(app);
        await AddMessageAsync(app, [first, second]);
        Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-a", Start, max: 1), None));
        Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-b", Start, max: 1), None));

        var renewal = await Store.RenewOwnershipAsync(Ownership("node-a", Start.AddSeconds(10)), None);
        await Store.RenewOwnershipAsync(Ownership("node-b", Start.AddSeconds(10)), None);

        Assert.Single(renewal.Owned);
        Assert.Equal(1, renewal.LiveNodes); // node-b had not sent its heartbeat yet
        Assert.Equal(2, renewal.OwnedByLiveNodes);
        // Renewed: still node-a's after the first lease would have ended.
        var afterFirstLease = Start + Lease + TimeSpan.FromSeconds(1);
        Assert.Empty(await Store.AcquireEndpointsAsync(Ownership("node-c", afterFirstLease), None));
        Assert.Equal(2, (await Store.RenewOwnershipAsync(Ownership("node-a", afterFirstLease), None)).LiveNodes);

        // A node that missed its heartbeats past the lease gets nothing back.
        var lapsed = await Store.RenewOwnershipAsync(Ownership("node-a", Start.AddSeconds(10) + Lease + Lease + TimeSpan.FromSeconds(1)), None);
        Assert.Empty(lapsed.Owned);
    }

    /// <summary>
    /// A node above its share hands an endpoint over only when no due work is waiting for an owner:
    /// the renewal says whether some is (the dispatcher's share counts only owned endpoints).
    /// </summary>
    [Fact]
    public async Task RenewOwnershipAsync_DueWorkWithoutLiveOwner_Reported()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app);
        var second = await AddEndpointAsync(app);
        await AddMessageAsync(app, [first, second]);
        var taken = Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-a", Start, max: 1), None));

        // Alone, a node is not asked: it owns whatever it takes.
        Assert.False((await Store.RenewOwnershipAsync(Ownership("node-a", Start.AddSeconds(1)), None)).WorkUnowned);

        await Store.RenewOwnershipAsync(Ownership("node-b", Start.AddSeconds(1)), None);
        var both = await Store.RenewOwnershipAsync(Ownership("node-a", Start.AddSeconds(2)), None);
        Assert.Equal(2, both.LiveNodes);
        Assert.True(both.WorkUnowned);

        var other = Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-b", Start.AddSeconds(2)), None));
        Assert.NotEqual(taken.Id, other.Id);
        Assert.False((await Store.RenewOwnershipAsync(Ownership("node-a", Start.AddSeconds(3)), None)).WorkUnowned);

        // Owners whose leases ran out own nothing: their endpoints' work has no owner again.
        var lapsed = Start.AddSeconds(3) + Lease + TimeSpan.FromSeconds(1);
        await Store.RenewOwnershipAsync(Ownership("node-b", lapsed), None);
        Assert.True((await Store.RenewOwnershipAsync(Ownership("node-a", lapsed), None)).WorkUnowned);
    }

    [Fact]
    public async Task ReleaseEndpointsAsync_GivenUp_AnotherNodeTakesThemAtOnce()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app);
        var second = await AddEndpointAsync(app);
        await AddMessageAsync(app, [first, second]);
        Assert.Equal(2, (await Store.AcquireEndpointsAsync(Ownership("node-a", Start), None)).Count);

        await Store.ReleaseEndpointsAsync("node-a", [first.Id], None);
        Assert.Equal([first.Id], (await Store.AcquireEndpointsAsync(Ownership("node-b", Start.AddSeconds(1)), None)).Select(x => x.Id));

        await Store.ReleaseEndpointsAsync("node-a", null, None);
        Assert.Equal([second.Id], (await Store.AcquireEndpointsAsync(Ownership("node-b", Start.AddSeconds(1)), None)).Select(x => x.Id));
        Assert.Empty((await Store.RenewOwnershipAsync(Ownership("node-a", Start.AddSeconds(2)), None)).Owned);
    }

    /// <summary>
    /// The heartbeat gives up what it renewed but the node no longer holds in memory; an endpoint the
    /// node gave up and took again meanwhile carries a newer lease and stays the node's.
    /// </summary>
    [Fact]
    public async Task ReleaseOrphansAsync_OnlyTheLeaseTheRenewalWrote()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessageAsync(app, endpoint);
        Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-a", Start), None));
        var renewal = Ownership("node-a", Start.AddSeconds(1));
        Assert.Equal([endpoint.Id], (await Store.RenewOwnershipAsync(renewal, None)).Owned);

        // Given up and taken again (the work loop) after the renewal read it.
        await Store.ReleaseEndpointsAsync("node-a", [endpoint.Id], None);
        Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-a", Start.AddSeconds(2)), None));
        await Store.ReleaseOrphansAsync(renewal, [endpoint.Id], None);

        Assert.Empty(await Store.AcquireEndpointsAsync(Ownership("node-b", Start.AddSeconds(3)), None));
        var next = Ownership("node-a", Start.AddSeconds(3));
        Assert.Equal([endpoint.Id], (await Store.RenewOwnershipAsync(next, None)).Owned);

        // What the latest renewal wrote is given up.
        await Store.ReleaseOrphansAsync(next, [endpoint.Id], None);
        Assert.Single(await Store.AcquireEndpointsAsync(Ownership("node-b", Start.AddSeconds(4)), None));
    }

    [Fact]
    public async Task ClaimOwnedAsync_EachEndpoint_GetsAtMostWhatWasAskedOldestDueFirst()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app);
        var second = await AddEndpointAsync(app);
        var firstMessages = await AddMessagesAsync(app, first, 5);
        await AddMessagesAsync(app, second, 5);
        await Store.AcquireEndpointsAsync(Ownership("node-a", Start), None);

        var claimed = await Store.ClaimOwnedAsync(new OwnedClaimRequest
        {
            NodeId = "node-a",
            Now = Start,
            LeaseDuration = Lease,
            Wants = [new EndpointWant(first.Id, 3), new EndpointWant(second.Id, 1)],
        }, None);

        Assert.Equal(firstMessages.Take(3).Select(m => m.Id), claimed.Where(c => c.Endpoint.Id == first.Id).Select(c => c.Message.Id));
        Assert.Single(claimed, c => c.Endpoint.Id == second.Id);
        Assert.All(claimed, c => Assert.False(string.IsNullOrEmpty(c.LeaseToken)));
    }

    [Fact]
    public async Task ClaimOwnedAsync_ApplicationThrottle_ReportedWhenEndpointHasNone()
    {
        var app = await AddApplicationAsync(throttleRate: 4);
        var inherits = await AddEndpointAsync(app);
        var own = await AddEndpointAsync(app, throttleRate: 9);
        await AddMessageAsync(app, [inherits, own]);

        var claimed = await ClaimAsync(Start.AddSeconds(1));

        Assert.Equal(4, claimed.Single(c => c.Endpoint.Id == inherits.Id).ThrottleRate);
        Assert.Equal(9, claimed.Single(c => c.Endpoint.Id == own.Id).ThrottleRate);
    }

    [Fact]
    public async Task ReleaseAsync_LeasedDelivery_PendingAgainWithoutAnAttempt()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var message = Assert.Single(await AddMessagesAsync(app, endpoint, 1));
        var first = Assert.Single(await ClaimAsync(Start));

        var later = Start.AddSeconds(2);
        await Store.ReleaseAsync(first.DeliveryId, first.LeaseToken, later, None);

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.Empty((await Store.ListAttemptsByMessageAsync(app.Id, message.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        Assert.Empty(await ClaimAsync(later.AddMilliseconds(-1)));
        var again = Assert.Single(await ClaimAsync(later));
        Assert.Equal(first.DeliveryId, again.DeliveryId);
        Assert.Equal(0, again.AttemptCount);
    }

    [Fact]
    public async Task ReleaseAsync_StaleLeaseToken_LeavesTheNewerClaim()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var message = Assert.Single(await AddMessagesAsync(app, endpoint, 1));
        var first = Assert.Single(await ClaimAsync(Start));
        var second = Assert.Single(await ClaimAsync(Start + Lease + TimeSpan.FromSeconds(5), node: "node-b"));

        await Store.ReleaseAsync(first.DeliveryId, first.LeaseToken, Start + Lease + TimeSpan.FromSeconds(6), None);

        Assert.Equal(second.DeliveryId, first.DeliveryId);
        Assert.Equal(MessageStatus.Sending, (await GetDeliveryAsync(message, endpoint)).Status);
        Assert.Empty(await ClaimAsync(Start + Lease + TimeSpan.FromSeconds(6), node: "node-b"));
    }
}
