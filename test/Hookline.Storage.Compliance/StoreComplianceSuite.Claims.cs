using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Claims and leases: due work is leased once, an expired owner's leases are taken over, stale completions, and parallel claimers.</summary>
public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task ClaimDueAsync_DueDelivery_ClaimedOnceWithLease()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, endpoint);
        var now = Start.AddSeconds(1);

        var claimed = Assert.Single(await ClaimAsync(now));

        Assert.False(string.IsNullOrEmpty(claimed.LeaseToken));
        Assert.Equal(0, claimed.AttemptCount);
        Assert.Equal(AttemptTrigger.Scheduled, claimed.Trigger);
        Assert.Equivalent(message, claimed.Message, strict: true);
        Assert.Equivalent(await ReloadAsync(endpoint), claimed.Endpoint, strict: true);
        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Sending, delivery.Status);
        Assert.Equal(claimed.DeliveryId, delivery.Id);
    }

    [Fact]
    public async Task ClaimDueAsync_NothingDue_ReturnsEmpty()
    {
        var app = await AddApplicationAsync();
        await AddEndpointAsync(app);

        Assert.Empty(await ClaimAsync(Start));
    }

    [Fact]
    public async Task ClaimDueAsync_LiveLease_NotClaimedAgain()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessageAsync(app, endpoint);
        Assert.Single(await ClaimAsync(Start));

        Assert.Empty(await ClaimAsync(Start));
        Assert.Empty(await ClaimAsync(Start + Lease - TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task ClaimDueAsync_LeaseExpired_ClaimedAgainWithNewToken()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessageAsync(app, endpoint);
        var first = Assert.Single(await ClaimAsync(Start));

        var second = Assert.Single(await ClaimAsync(Start + Lease + TimeSpan.FromSeconds(1)));

        Assert.Equal(first.DeliveryId, second.DeliveryId);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
        // The lost try counts, so a message that kills its node every time runs out of retries.
        Assert.Equal(1, second.AttemptCount);
        Assert.Empty(await ClaimAsync(Start + Lease + TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task CompleteAsync_StaleLeaseToken_RecordsAttemptButKeepsNewerClaim()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, endpoint);
        var stale = Assert.Single(await ClaimAsync(Start));
        var reclaimedAt = Start + Lease + TimeSpan.FromSeconds(1);
        var current = Assert.Single(await ClaimAsync(reclaimedAt));

        // The first node was slow, not dead: its answer arrives after the lease moved on.
        await Store.CompleteAsync([Succeeded(stale, reclaimedAt.AddSeconds(1))], None);

        var attempts = await Store.ListAttemptsByMessageAsync(app.Id, message.Id, new AttemptFilter(), new ListQuery(), None);
        Assert.Equal(200, Assert.Single(attempts.Data).ResponseStatusCode);
        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Sending, delivery.Status);
        Assert.Equal(1, delivery.AttemptCount); // the expired lease counted once
        Assert.Empty(await ClaimAsync(reclaimedAt.AddSeconds(2)));

        // The newer claim still owns the delivery and decides its state.
        await Store.CompleteAsync([Retry(current, reclaimedAt.AddSeconds(3), reclaimedAt.AddMinutes(5))], None);

        delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.Equal(reclaimedAt.AddMinutes(5), delivery.NextAttemptAt);
        Assert.Equal(2, delivery.AttemptCount);
        Assert.Equal(2, (await Store.ListAttemptsByMessageAsync(app.Id, message.Id, new AttemptFilter(), new ListQuery(), None)).Data.Count);
    }

    [Fact]
    public async Task CompleteAsync_StaleLeaseTokenAfterNewerCompletion_DoesNotReopenDelivery()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, endpoint);
        var stale = Assert.Single(await ClaimAsync(Start));
        var reclaimedAt = Start + Lease + TimeSpan.FromSeconds(1);
        var current = Assert.Single(await ClaimAsync(reclaimedAt));
        await Store.CompleteAsync([Succeeded(current, reclaimedAt.AddSeconds(1))], None);

        await Store.CompleteAsync([Retry(stale, reclaimedAt.AddSeconds(2), reclaimedAt.AddMinutes(1))], None);

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Success, delivery.Status);
        Assert.Empty(await ClaimAsync(reclaimedAt.AddHours(1)));
    }

    [Fact]
    public async Task ClaimDueAsync_ConcurrentClaimersOnTwoStoreInstances_NeverGetTheSameDelivery()
    {
        var app = await AddApplicationAsync();
        var total = 0;
        for (var i = 0; i < 8; i++)
        {
            await AddMessagesAsync(app, await AddEndpointAsync(app), 25);
            total += 25;
        }
        // A second instance over the same database: another process (SQLite) or node (PostgreSQL).
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        var claims = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() =>
            ClaimAsync(Start, maxDeliveries: 10, perEndpoint: 1000, node: $"node-{i}", store: stores[i % 2]))));

        var ids = claims.SelectMany(c => c.Select(d => d.DeliveryId)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.NotEmpty(ids);
        // A claimer may come back short while others hold the rows (SKIP LOCKED); what is left is
        // still there for the next claim, and nothing is handed out twice.
        for (var i = 0; i < 24; i++)
        {
            while (await ClaimAsync(Start, maxDeliveries: 100, perEndpoint: 1000, node: $"node-{i}") is { Count: > 0 } rest)
            {
                ids.AddRange(rest.Select(d => d.DeliveryId));
            }
        }
        Assert.Equal(total, ids.Count);
        Assert.Equal(total, ids.Distinct().Count());
    }

    [Fact]
    public async Task ClaimDueAsync_ConcurrentClaimersWithCompletions_NeverOverlapLeases()
    {
        // Claimers that also complete and reclaim (expired leases included) still never share a live lease.
        var app = await AddApplicationAsync();
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < 4; i++)
        {
            var endpoint = await AddEndpointAsync(app);
            endpoints.Add(endpoint);
            await AddMessagesAsync(app, endpoint, 15);
        }
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];
        var live = new System.Collections.Concurrent.ConcurrentDictionary<long, string>();
        var overlaps = 0;
        var succeeded = 0;
        var completed = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var store = stores[worker % 2];
            for (var round = 0; round < 10; round++)
            {
                var now = Start.AddSeconds(round);
                var batch = await ClaimAsync(now, maxDeliveries: 4, lease: TimeSpan.FromHours(1), node: $"w{worker}", store: store);
                foreach (var claimed in batch)
                {
                    if (!live.TryAdd(claimed.DeliveryId, claimed.LeaseToken))
                    {
                        Interlocked.Increment(ref overlaps);
                    }
                }
                var completions = batch.Select((c, i) => i % 3 == 0 ? Retry(c, now, now) : Succeeded(c, now)).ToArray();
                foreach (var claimed in batch)
                {
                    live.TryRemove(claimed.DeliveryId, out _);
                }
                if (completions.Length > 0)
                {
                    await store.CompleteAsync(completions, None);
                    Interlocked.Add(ref succeeded, completions.Count(c => c.Outcome == DeliveryOutcome.Succeeded));
                    Interlocked.Add(ref completed, completions.Length);
                }
            }
        })));

        Assert.Equal(0, overlaps);
        Assert.True(succeeded > 0);
        // Had two claims held one delivery, the older one's completion would have been stale and not
        // counted: every completion counting means every claim was the only live one.
        var deliveries = new List<DeliveryRecord>();
        foreach (var endpoint in endpoints)
        {
            var page = await Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter(), new ListQuery { Limit = ListQuery.MaxLimit }, withContent: false, None);
            deliveries.AddRange(page.Data.Select(x => x.Delivery));
        }
        Assert.Equal(completed, deliveries.Sum(d => d.AttemptCount));
        Assert.Equal(succeeded, deliveries.Count(d => d.Status == MessageStatus.Success));
    }
}
