using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>What a claim must respect per endpoint: FIFO for ordered endpoints, disabled endpoints; and when work comes due. Concurrency and throttle are kept by the owning node in memory (the engine tests check them).</summary>
public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task ClaimDueAsync_OrderedEndpoint_OnlyOldestUnfinishedDeliveryClaimed()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, ordered: true, maxConcurrency: 5);
        var messages = await AddMessagesAsync(app, endpoint, 3);

        var first = Assert.Single(await ClaimAsync(Start.AddSeconds(1)));
        Assert.Equal(messages[0].Id, first.Message.Id);
        Assert.Empty(await ClaimAsync(Start.AddSeconds(1)));

        await Store.CompleteAsync([Succeeded(first, Start.AddSeconds(2))], None);
        var second = Assert.Single(await ClaimAsync(Start.AddSeconds(3)));
        Assert.Equal(messages[1].Id, second.Message.Id);

        await Store.CompleteAsync([Succeeded(second, Start.AddSeconds(4))], None);
        Assert.Equal(messages[2].Id, Assert.Single(await ClaimAsync(Start.AddSeconds(5))).Message.Id);
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEndpointHeadRetrying_BlocksTheRestUntilItSucceeds()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, ordered: true);
        var messages = await AddMessagesAsync(app, endpoint, 3);
        var head = Assert.Single(await ClaimAsync(Start.AddSeconds(1)));
        var retryAt = Start.AddMinutes(5);

        await Store.CompleteAsync([Retry(head, Start.AddSeconds(2), retryAt)], None);

        // The others are due, but FIFO holds across retries: nothing overtakes the head.
        Assert.Empty(await ClaimAsync(Start.AddMinutes(1)));
        Assert.Empty(await ClaimAsync(retryAt.AddMilliseconds(-1)));
        var again = Assert.Single(await ClaimAsync(retryAt));
        Assert.Equal(messages[0].Id, again.Message.Id);
        Assert.Equal(1, again.AttemptCount);

        await Store.CompleteAsync([Succeeded(again, retryAt.AddSeconds(1))], None);
        Assert.Equal(messages[1].Id, Assert.Single(await ClaimAsync(retryAt.AddSeconds(2))).Message.Id);
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEndpointHeadFailedForGood_UnblocksTheRest()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, ordered: true);
        var messages = await AddMessagesAsync(app, endpoint, 2);
        var head = Assert.Single(await ClaimAsync(Start.AddSeconds(1)));

        await Store.CompleteAsync([Failed(head, Start.AddSeconds(2))], None);

        Assert.Equal(messages[1].Id, Assert.Single(await ClaimAsync(Start.AddSeconds(3))).Message.Id);
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEndpointHeadLeaseExpired_HeadClaimedAgainFirst()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, ordered: true);
        var messages = await AddMessagesAsync(app, endpoint, 2);
        Assert.Single(await ClaimAsync(Start.AddSeconds(1)));

        var again = Assert.Single(await ClaimAsync(Start.AddSeconds(1) + Lease + TimeSpan.FromSeconds(1)));

        Assert.Equal(messages[0].Id, again.Message.Id);
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEndpoint_ParallelClaimersTakeOneAtATime()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, ordered: true);
        var messages = await AddMessagesAsync(app, endpoint, 5);
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            ClaimAsync(Start.AddSeconds(1), node: $"node-{i % 2}", store: stores[i % 2]))));

        Assert.Equal(messages[0].Id, Assert.Single(claims.SelectMany(c => c)).Message.Id);
    }

    [Fact]
    public async Task ClaimDueAsync_DisabledEndpoint_NotClaimedUntilEnabled()
    {
        var app = await AddApplicationAsync();
        var disabled = await AddEndpointAsync(app, disabled: true);
        var enabled = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, [disabled, enabled]);

        var claimed = await ClaimAsync(Start.AddSeconds(1));

        Assert.Equal([enabled.Id], claimed.Select(c => c.Endpoint.Id));
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(message, disabled)).Status);

        await Store.UpdateEndpointAsync(disabled with { Disabled = false }, None);
        Assert.Equal([disabled.Id], (await ClaimAsync(Start.AddSeconds(2))).Select(c => c.Endpoint.Id));
    }

    private static Task<DateTimeOffset?> NextDueAsync(IHooklineStore store, DateTimeOffset now, DateTimeOffset? before = null) =>
        store.GetNextDueAsync(now, before, None);

    [Fact]
    public async Task GetNextDueAsync_NothingPending_ReturnsNull()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessageAsync(app, endpoint);
        await Store.CompleteAsync([Succeeded(Assert.Single(await ClaimAsync(Start)), Start)], None);

        Assert.Null(await NextDueAsync(Store, Start.AddSeconds(1)));
    }

    [Fact]
    public async Task GetNextDueAsync_RetryAndLease_ReturnsEarlier()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 2);
        var claimed = await ClaimAsync(Start);
        var now = Start.AddSeconds(1);

        await Store.CompleteAsync([Retry(claimed[0], now, Start.AddMinutes(5))], None);
        Assert.Equal(Start + Lease, await NextDueAsync(Store, now));

        await Store.CompleteAsync([Retry(claimed[1], now, Start.AddSeconds(10))], None);
        Assert.Equal(Start.AddSeconds(10), await NextDueAsync(Store, now));
    }

    [Fact]
    public async Task GetNextDueAsync_UpTo_LooksNoFurther()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 2);
        var claimed = await ClaimAsync(Start);
        var now = Start.AddSeconds(1);
        await Store.CompleteAsync([Retry(claimed[0], now, Start.AddSeconds(10))], None);

        // A retry at +10 s and a lease that ends at Start + Lease (later).
        Assert.Null(await NextDueAsync(Store, now, before: Start.AddSeconds(9)));
        Assert.Equal(Start.AddSeconds(10), await NextDueAsync(Store, now, before: Start.AddSeconds(10)));
        Assert.Null(await NextDueAsync(Store, Start.AddSeconds(10), before: Start + Lease - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(Start + Lease, await NextDueAsync(Store, Start.AddSeconds(10), before: Start + Lease));
    }

    [Fact]
    public async Task GetNextDueAsync_DisabledEndpoint_Ignored()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        await AddMessageAsync(app, [endpoint, other]);
        var claimed = await ClaimAsync(Start);
        var now = Start.AddSeconds(1);
        await Store.CompleteAsync(
        [
            Retry(claimed.Single(c => c.Endpoint.Id == endpoint.Id), now, Start.AddSeconds(10)),
            Retry(claimed.Single(c => c.Endpoint.Id == other.Id), now, Start.AddMinutes(10)),
        ], None);

        await Store.UpdateEndpointAsync(endpoint with { Disabled = true }, None);

        Assert.Equal(Start.AddMinutes(10), await NextDueAsync(Store, now));
        await Store.UpdateEndpointAsync(other with { Disabled = true }, None);
        Assert.Null(await NextDueAsync(Store, now));
    }

    [Fact]
    public async Task GetNextDueAsync_WorkAlreadyDue_NotReported()
    {
        // Due work is the claim's business; "next due" is what the dispatcher sleeps until.
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 2);
        var claimed = await ClaimAsync(Start);
        await Store.CompleteAsync([Retry(claimed[0], Start, Start.AddSeconds(5)), Retry(claimed[1], Start, Start.AddSeconds(20))], None);

        Assert.Equal(Start.AddSeconds(5), await NextDueAsync(Store, Start.AddSeconds(1)));
        Assert.Equal(Start.AddSeconds(20), await NextDueAsync(Store, Start.AddSeconds(5)));
        Assert.Null(await NextDueAsync(Store, Start.AddSeconds(20)));
    }

    [Fact]
    public async Task GetNextDueAsync_NewMessage_NotReportedOnceDue()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessageAsync(app, endpoint, at: Start.AddSeconds(10));

        Assert.Equal(Start.AddSeconds(10), await NextDueAsync(Store, Start));
        Assert.Null(await NextDueAsync(Store, Start.AddSeconds(10)));
    }
}
