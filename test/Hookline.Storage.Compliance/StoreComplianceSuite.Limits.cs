using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>What a claim must respect per endpoint: concurrency limit, FIFO for ordered endpoints, throttle, disabled.</summary>
public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task ClaimDueAsync_DefaultMaxConcurrency_LimitsLiveLeasesPerEndpoint()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 10);

        var first = await ClaimAsync(Start, defaultMaxConcurrency: 3);
        var second = await ClaimAsync(Start, defaultMaxConcurrency: 3);

        Assert.Equal(3, first.Count);
        Assert.Empty(second);
    }

    [Fact]
    public async Task ClaimDueAsync_CompletionFreesSlot_NextDeliveryClaimed()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 10);
        var first = await ClaimAsync(Start, defaultMaxConcurrency: 3);

        await Store.CompleteAsync([Succeeded(first[0], Start.AddSeconds(1)), Retry(first[1], Start.AddSeconds(1), Start.AddHours(1))], None);
        var next = await ClaimAsync(Start.AddSeconds(2), defaultMaxConcurrency: 3);

        Assert.Equal(2, next.Count);
        Assert.Empty(next.Select(c => c.DeliveryId).Intersect(first.Select(c => c.DeliveryId)));
    }

    [Fact]
    public async Task ClaimDueAsync_ExpiredLeases_DoNotCountAgainstLimit()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 5);
        Assert.Equal(2, (await ClaimAsync(Start, defaultMaxConcurrency: 2)).Count);

        var afterExpiry = await ClaimAsync(Start + Lease + TimeSpan.FromSeconds(1), defaultMaxConcurrency: 2);

        Assert.Equal(2, afterExpiry.Count);
    }

    [Fact]
    public async Task ClaimDueAsync_EndpointMaxConcurrency_OverridesDefault()
    {
        var app = await AddApplicationAsync();
        var narrow = await AddEndpointAsync(app, maxConcurrency: 2);
        var wide = await AddEndpointAsync(app, maxConcurrency: 6);
        await AddMessagesAsync(app, narrow, 10);
        await AddMessagesAsync(app, wide, 10);

        var claimed = await ClaimAsync(Start, defaultMaxConcurrency: 4);
        claimed = [.. claimed, .. await ClaimAsync(Start, defaultMaxConcurrency: 4)];

        Assert.Equal(2, claimed.Count(c => c.Endpoint.Id == narrow.Id));
        Assert.Equal(6, claimed.Count(c => c.Endpoint.Id == wide.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_EndpointAtLimit_DoesNotHoldBackOthers()
    {
        var app = await AddApplicationAsync();
        var slow = await AddEndpointAsync(app, maxConcurrency: 1);
        var fast = await AddEndpointAsync(app);
        await AddMessagesAsync(app, slow, 20);
        await AddMessagesAsync(app, fast, 5, from: Start.AddSeconds(1));

        var claimed = await ClaimAsync(Start.AddSeconds(2), maxDeliveries: 6);

        Assert.Equal(1, claimed.Count(c => c.Endpoint.Id == slow.Id));
        Assert.Equal(5, claimed.Count(c => c.Endpoint.Id == fast.Id));
    }

    [Fact]
    public async Task ClaimDueAsync_ConcurrentClaimers_NeverExceedEndpointLimit()
    {
        var app = await AddApplicationAsync();
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < 4; i++)
        {
            var endpoint = await AddEndpointAsync(app, maxConcurrency: i + 1);
            endpoints.Add(endpoint);
            await AddMessagesAsync(app, endpoint, 20);
        }
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            stores[i % 2].ClaimDueAsync(Claim(Start, maxDeliveries: 3, defaultMaxConcurrency: 100), None))));

        var perEndpoint = claims.SelectMany(c => c).GroupBy(c => c.Endpoint.Id).ToDictionary(g => g.Key, g => g.Count());
        foreach (var endpoint in endpoints)
        {
            Assert.Equal(endpoint.MaxConcurrency, perEndpoint.GetValueOrDefault(endpoint.Id));
        }
    }

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
            stores[i % 2].ClaimDueAsync(Claim(Start.AddSeconds(1)), None))));

        Assert.Equal(messages[0].Id, Assert.Single(claims.SelectMany(c => c)).Message.Id);
    }

    /// <summary>NotBefore times of one claim, in order, as offsets from <paramref name="from"/> in milliseconds.</summary>
    private static long[] Offsets(IEnumerable<ClaimedDelivery> claimed, DateTimeOffset from) =>
        [.. claimed.Select(c => (long)(c.NotBefore - from).TotalMilliseconds).Order()];

    private static void AssertSpaced(long[] offsets, long first, long spacing)
    {
        Assert.NotEmpty(offsets);
        for (var i = 0; i < offsets.Length; i++)
        {
            // A millisecond either way for stores that round 1/rate.
            Assert.InRange(offsets[i], first + (i * spacing) - 1, first + (i * spacing) + 1);
        }
    }

    [Fact]
    public async Task ClaimDueAsync_ThrottledEndpoint_SpacesNotBeforeByRate()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, throttleRate: 4);
        await AddMessagesAsync(app, endpoint, 10);
        var now = Start.AddSeconds(1);

        var claimed = await Store.ClaimDueAsync(Claim(now, defaultMaxConcurrency: 100, throttleHorizon: TimeSpan.FromSeconds(1)), None);

        // Up to rate × horizon in one claim, booked 1/rate apart from now.
        Assert.InRange(claimed.Count, 1, 4);
        AssertSpaced(Offsets(claimed, now), first: 0, spacing: 250);
    }

    [Fact]
    public async Task ClaimDueAsync_ThrottledOnlyWhenEndpointHasARate()
    {
        var app = await AddApplicationAsync();
        var throttled = await AddEndpointAsync(app, throttleRate: 4);
        var free = await AddEndpointAsync(app);
        await AddMessagesAsync(app, throttled, 2);
        await AddMessagesAsync(app, free, 2);

        var claimed = await Store.ClaimDueAsync(Claim(Start.AddSeconds(1), defaultMaxConcurrency: 100), None);

        Assert.All(claimed, c => Assert.Equal(c.Endpoint.Id == throttled.Id, c.Throttled));
        Assert.Contains(claimed, c => c.Endpoint.Id == throttled.Id);
        Assert.Contains(claimed, c => c.Endpoint.Id == free.Id);
    }

    [Fact]
    public async Task ClaimDueAsync_ThrottledEndpointBookedToTheHorizon_NoMoreSlotsUntilTimeCatchesUp()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, throttleRate: 10);
        await AddMessagesAsync(app, endpoint, 30);
        var now = Start.AddSeconds(1);
        var horizon = TimeSpan.FromMilliseconds(500);
        var first = await Store.ClaimDueAsync(Claim(now, defaultMaxConcurrency: 100, throttleHorizon: horizon), None);
        AssertSpaced(Offsets(first, now), first: 0, spacing: 100);
        Assert.Equal(5, first.Count);

        // Booked up to the horizon: another claim (any node) gets nothing, however much is due and
        // however many slots the concurrency limit leaves, so a stalled node holds only these five.
        Assert.Empty(await Store.ClaimDueAsync(Claim(now, defaultMaxConcurrency: 100, throttleHorizon: horizon), None));

        var later = await Store.ClaimDueAsync(Claim(now.AddMilliseconds(250), defaultMaxConcurrency: 100, throttleHorizon: horizon), None);
        // The slots that now start within the horizon: 500, 600 and 700 ms.
        AssertSpaced(Offsets(later, now), first: 500, spacing: 100);
        Assert.Equal(3, later.Count);
    }

    [Fact]
    public async Task ReleaseAsync_MissedSlot_PendingAgainWithoutAnAttemptAndBookedAfterTheCursor()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, throttleRate: 5);
        var message = Assert.Single(await AddMessagesAsync(app, endpoint, 1));
        var now = Start.AddSeconds(1);
        var first = Assert.Single(await Store.ClaimDueAsync(Claim(now, defaultMaxConcurrency: 100), None));

        var late = now.AddSeconds(2);
        await Store.ReleaseAsync(first.DeliveryId, first.LeaseToken, late, None);

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.Empty((await Store.ListAttemptsByMessageAsync(app.Id, message.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        var again = Assert.Single(await Store.ClaimDueAsync(Claim(late, defaultMaxConcurrency: 100), None));
        Assert.Equal(first.DeliveryId, again.DeliveryId);
        Assert.Equal(0, again.AttemptCount);
        Assert.True(again.Throttled);
        Assert.True(again.NotBefore >= late, "a new slot, not the missed one");
    }

    [Fact]
    public async Task ReleaseAsync_StaleLeaseToken_LeavesTheNewerClaim()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, throttleRate: 5);
        var message = Assert.Single(await AddMessagesAsync(app, endpoint, 1));
        var first = Assert.Single(await Store.ClaimDueAsync(Claim(Start, defaultMaxConcurrency: 100), None));
        var second = Assert.Single(await Store.ClaimDueAsync(Claim(Start + Lease + TimeSpan.FromSeconds(5), defaultMaxConcurrency: 100), None));

        await Store.ReleaseAsync(first.DeliveryId, first.LeaseToken, Start + Lease + TimeSpan.FromSeconds(6), None);

        Assert.Equal(second.DeliveryId, first.DeliveryId);
        Assert.Equal(MessageStatus.Sending, (await GetDeliveryAsync(message, endpoint)).Status);
        Assert.Empty(await Store.ClaimDueAsync(Claim(Start + Lease + TimeSpan.FromSeconds(6), defaultMaxConcurrency: 100), None));
    }

    [Fact]
    public async Task ClaimDueAsync_ThrottledEndpointSecondClaim_ContinuesAfterFirstBooking()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, throttleRate: 5);
        await AddMessagesAsync(app, endpoint, 20);
        var now = Start.AddSeconds(1);
        var first = await Store.ClaimDueAsync(Claim(now, defaultMaxConcurrency: 100), None);
        var other = await CreateStoreAsync();

        // Another node claiming a moment later must not book slots the first one already took.
        var second = await other.ClaimDueAsync(Claim(now.AddMilliseconds(10), defaultMaxConcurrency: 100), None);

        var firstOffsets = Offsets(first, now);
        AssertSpaced(firstOffsets, first: 0, spacing: 200);
        AssertSpaced(Offsets(second, now), first: firstOffsets[^1] + 200, spacing: 200);
        Assert.Empty(first.Select(c => c.DeliveryId).Intersect(second.Select(c => c.DeliveryId)));
    }

    [Fact]
    public async Task ClaimDueAsync_ThrottledEndpointAfterIdle_StartsAtNow()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, throttleRate: 2);
        await AddMessagesAsync(app, endpoint, 2);
        Assert.Single(await Store.ClaimDueAsync(Claim(Start, defaultMaxConcurrency: 100, throttleHorizon: TimeSpan.FromMilliseconds(1)), None));

        // An old booking is no debt: after a quiet hour the next delivery may go at once.
        var later = Start.AddHours(1);
        var claimed = await Store.ClaimDueAsync(Claim(later, defaultMaxConcurrency: 100), None);

        AssertSpaced(Offsets(claimed, later), first: 0, spacing: 500);
    }

    [Fact]
    public async Task ClaimDueAsync_ApplicationThrottle_AppliesWhenEndpointHasNone()
    {
        var app = await AddApplicationAsync(throttleRate: 2);
        var inherits = await AddEndpointAsync(app);
        var ownRate = await AddEndpointAsync(app, throttleRate: 10);
        await AddMessagesAsync(app, inherits, 10);
        await AddMessagesAsync(app, ownRate, 20);
        var now = Start.AddSeconds(1);

        var claimed = await Store.ClaimDueAsync(Claim(now, defaultMaxConcurrency: 100), None);

        var inherited = claimed.Where(c => c.Endpoint.Id == inherits.Id).ToList();
        var own = claimed.Where(c => c.Endpoint.Id == ownRate.Id).ToList();
        Assert.InRange(inherited.Count, 1, 2);
        Assert.InRange(own.Count, 1, 10);
        AssertSpaced(Offsets(inherited, now), first: 0, spacing: 500);
        AssertSpaced(Offsets(own, now), first: 0, spacing: 100);
    }

    [Fact]
    public async Task ClaimDueAsync_ThrottleAndConcurrency_BothHold()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, throttleRate: 100, maxConcurrency: 3);
        await AddMessagesAsync(app, endpoint, 10);

        var claimed = await Store.ClaimDueAsync(Claim(Start, defaultMaxConcurrency: 100), None);

        Assert.Equal(3, claimed.Count);
        AssertSpaced(Offsets(claimed, Start), first: 0, spacing: 10);
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

    private static Task<DateTimeOffset?> NextDueAsync(IHooklineStore store, DateTimeOffset now) => store.GetNextDueAsync(now, None);

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
