using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Completions (success, retry, failure), endpoint health and disabling, resend, recover and stats.</summary>
public abstract partial class StoreComplianceSuite
{
    private async Task<(Application App, Endpoint Endpoint, Message Message, ClaimedDelivery Claimed)> ClaimOneAsync(string? endpointUid = null)
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, uid: endpointUid);
        var message = await AddMessageAsync(app, endpoint);
        return (app, endpoint, message, Assert.Single(await ClaimAsync(Start)));
    }

    [Fact]
    public async Task CompleteAsync_Succeeded_DeliveryDoneAndAttemptRecorded()
    {
        var (app, endpoint, message, claimed) = await ClaimOneAsync();
        var at = Start.AddSeconds(1);
        var completion = Succeeded(claimed, at);

        Assert.Empty(await Store.CompleteAsync([completion], None));

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Success, delivery.Status);
        Assert.Equal(1, delivery.AttemptCount);
        Assert.Equal(at, delivery.LastAttemptAt);
        Assert.Null(delivery.NextAttemptAt);
        Assert.Equivalent(completion.Attempt, await Store.GetAttemptAsync(app.Id, message.Id, completion.Attempt.Id, None), strict: true);
        Assert.Empty(await ClaimAsync(Start.AddDays(1)));
    }

    [Fact]
    public async Task CompleteAsync_Retry_PendingUntilNextAttempt()
    {
        var (_, endpoint, message, claimed) = await ClaimOneAsync();
        var next = Start.AddMinutes(5);

        await Store.CompleteAsync([Retry(claimed, Start.AddSeconds(1), next)], None);

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.Equal(next, delivery.NextAttemptAt);
        Assert.Equal(1, delivery.AttemptCount);
        Assert.Equal(Start.AddSeconds(1), delivery.LastAttemptAt);
        Assert.Empty(await ClaimAsync(next.AddMilliseconds(-1)));
        var again = Assert.Single(await ClaimAsync(next));
        Assert.Equal(1, again.AttemptCount);
        Assert.Equal(claimed.DeliveryId, again.DeliveryId);
    }

    [Fact]
    public async Task CompleteAsync_Failed_DeliveryFailedForGood()
    {
        var (_, endpoint, message, claimed) = await ClaimOneAsync();

        await Store.CompleteAsync([Failed(claimed, Start.AddSeconds(1))], None);

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Fail, delivery.Status);
        Assert.Equal(1, delivery.AttemptCount);
        Assert.Empty(await ClaimAsync(Start.AddDays(30)));
    }

    [Fact]
    public async Task CompleteAsync_BatchOfSeveral_EachApplied()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var messages = await AddMessagesAsync(app, endpoint, 3);
        var claimed = (await ClaimAsync(Start)).OrderBy(c => c.Message.Id, StringComparer.Ordinal).ToList();
        var at = Start.AddSeconds(1);

        await Store.CompleteAsync([Succeeded(claimed[0], at), Retry(claimed[1], at, at.AddMinutes(1)), Failed(claimed[2], at)], None);

        Assert.Equal(MessageStatus.Success, (await GetDeliveryAsync(messages[0], endpoint)).Status);
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(messages[1], endpoint)).Status);
        Assert.Equal(MessageStatus.Fail, (await GetDeliveryAsync(messages[2], endpoint)).Status);
        Assert.Equal(3, (await Store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, new AttemptFilter(), new ListQuery(), None)).Data.Count);
    }

    [Fact]
    public async Task CompleteAsync_BatchThatFails_ChangesNothing()
    {
        // A batch of outcomes is one write, all or nothing.
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var messages = await AddMessagesAsync(app, endpoint, 3);
        var claimed = (await ClaimAsync(Start)).OrderBy(c => c.Message.Id, StringComparer.Ordinal).ToList();
        var at = Start.AddSeconds(1);
        var first = Succeeded(claimed[0], at);
        await Store.CompleteAsync([first], None);

        // The second batch's last attempt reuses the first's id: its insert fails, after the first row of the batch.
        var clash = Succeeded(claimed[2], at) with { Attempt = Succeeded(claimed[2], at).Attempt with { Id = first.Attempt.Id } };
        await Assert.ThrowsAnyAsync<Exception>(() => Store.CompleteAsync([Succeeded(claimed[1], at), clash], None));

        foreach (var message in messages.Skip(1))
        {
            var delivery = await GetDeliveryAsync(message, endpoint);
            Assert.Equal(MessageStatus.Sending, delivery.Status);
            Assert.Equal(0, delivery.AttemptCount);
        }
        Assert.Single((await Store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        // The stats' rollup is the batch's first statement, and it is gone with the rest.
        Assert.Equal(1, await SucceededInStatsAsync());
        await Store.CompleteAsync([Succeeded(claimed[1], at), Succeeded(claimed[2], at)], None);
        Assert.Equal(MessageStatus.Success, (await GetDeliveryAsync(messages[2], endpoint)).Status);
        Assert.Equal(3, await SucceededInStatsAsync());

        async Task<long> SucceededInStatsAsync() =>
            (await Store.GetOverviewAsync(Start, Start.AddHours(1), TimeSpan.FromHours(1), Start.AddHours(1), 10, None)).Buckets.Sum(b => b.AttemptsSucceeded);
    }

    [Fact]
    public async Task CompleteAsync_EndpointDeletedWhileSending_RecordsAttemptOnly()
    {
        var (app, endpoint, message, claimed) = await ClaimOneAsync();
        var other = await AddEndpointAsync(app);
        await AddMessageAsync(app, other, at: Start.AddSeconds(1));
        await Store.DeleteEndpointAsync(app.Id, endpoint.Id, None);

        Assert.Empty(await Store.CompleteAsync([Failed(claimed, Start.AddSeconds(2), statusCode: 410, disableEndpoint: true)], None));

        Assert.Single((await Store.ListAttemptsByMessageAsync(app.Id, message.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        Assert.Equal([other.Id], (await ClaimAsync(Start.AddSeconds(3))).Select(c => c.Endpoint.Id));
    }

    [Fact]
    public async Task CompleteAsync_Failures_SetFailingSinceOnceAndSuccessClearsIt()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 3);
        var claimed = await ClaimAsync(Start);

        await Store.CompleteAsync([Retry(claimed[0], Start.AddSeconds(1), Start.AddHours(1))], None);
        Assert.Equal(Start.AddSeconds(1), (await ReloadAsync(endpoint)).FailingSince);

        await Store.CompleteAsync([Failed(claimed[1], Start.AddSeconds(2))], None);
        Assert.Equal(Start.AddSeconds(1), (await ReloadAsync(endpoint)).FailingSince);

        await Store.CompleteAsync([Succeeded(claimed[2], Start.AddSeconds(3))], None);
        Assert.Null((await ReloadAsync(endpoint)).FailingSince);
    }

    [Fact]
    public async Task CompleteAsync_MixedOutcomesInOneBatch_FailingSinceAsIfRecordedOneAfterAnother()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var cleared = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 5);
        await AddMessagesAsync(app, cleared, 2);
        var claimed = (await ClaimAsync(Start)).OrderBy(c => c.DeliveryId).ToList();
        var mine = claimed.Where(c => c.Endpoint.Id == endpoint.Id).ToList();
        var theirs = claimed.Where(c => c.Endpoint.Id == cleared.Id).ToList();
        // One insert batch gives delivery ids in the order of its messages (what an ordered endpoint sends by).
        Assert.Equal(mine.Select(c => c.Message.Id).Order(StringComparer.Ordinal), mine.Select(c => c.Message.Id));
        Assert.Equal(5, mine.Count);

        // In delivery order: fail, succeed, fail, fail; the other endpoint: fail, succeed.
        await Store.CompleteAsync(
        [
            Retry(mine[0], Start.AddSeconds(1), Start.AddHours(1)), Succeeded(mine[1], Start.AddSeconds(2)),
            Retry(mine[2], Start.AddSeconds(3), Start.AddHours(1)), Failed(mine[3], Start.AddSeconds(4)),
            Retry(theirs[0], Start.AddSeconds(1), Start.AddHours(1)), Succeeded(theirs[1], Start.AddSeconds(2)),
        ], None);

        Assert.Equal(Start.AddSeconds(3), (await ReloadAsync(endpoint)).FailingSince);
        Assert.Null((await ReloadAsync(cleared)).FailingSince);

        // A later batch of failures only keeps the time it already has.
        await Store.CompleteAsync([Failed(mine[4], Start.AddSeconds(9))], None);
        Assert.Equal(Start.AddSeconds(3), (await ReloadAsync(endpoint)).FailingSince);
    }

    [Fact]
    public async Task CompleteAsync_FailingLongerThanDisableAfter_DisablesEndpointAndReportsIt()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, uid: "flaky");
        var healthy = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 4);
        await AddMessagesAsync(app, healthy, 1);
        var claimed = await ClaimAsync(Start);
        var mine = claimed.Where(c => c.Endpoint.Id == endpoint.Id).ToList();
        var window = TimeSpan.FromHours(1);

        Assert.Empty(await Store.CompleteAsync([Retry(mine[0], Start, Start.AddDays(1), disableAfter: window)], None));
        Assert.Empty(await Store.CompleteAsync([Retry(mine[1], Start.AddMinutes(59), Start.AddDays(1), disableAfter: window)], None));
        Assert.False((await ReloadAsync(endpoint)).Disabled);

        var disabled = await Store.CompleteAsync(
            [Retry(mine[2], Start.AddMinutes(61), Start.AddDays(1), disableAfter: window), Succeeded(claimed.Single(c => c.Endpoint.Id == healthy.Id), Start.AddMinutes(61))], None);

        Assert.Equal([new EndpointDisabled(app.Id, endpoint.Id, "flaky", Start)], disabled);
        var stored = await ReloadAsync(endpoint);
        Assert.True(stored.Disabled);
        Assert.Equal(Start, stored.FailingSince);
        Assert.False((await ReloadAsync(healthy)).Disabled);
        // Reported once: an endpoint already disabled is not disabled again.
        Assert.Empty(await Store.CompleteAsync([Failed(mine[3], Start.AddMinutes(62), disableAfter: window)], None));
    }

    [Fact]
    public async Task CompleteAsync_DisableEndpoint_DisablesAtOnce()
    {
        var (app, endpoint, _, claimed) = await ClaimOneAsync(endpointUid: "gone");
        var at = Start.AddSeconds(1);

        var disabled = await Store.CompleteAsync([Failed(claimed, at, statusCode: 410, disableEndpoint: true)], None);

        Assert.Equal([new EndpointDisabled(app.Id, endpoint.Id, "gone", at)], disabled);
        Assert.True((await ReloadAsync(endpoint)).Disabled);
    }

    [Fact]
    public async Task CompleteAsync_SameEndpointTwiceInBatch_ReportedOnce()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 2);
        var claimed = await ClaimAsync(Start);

        var disabled = await Store.CompleteAsync([.. claimed.Select(c => Failed(c, Start.AddSeconds(1), statusCode: 410, disableEndpoint: true))], None);

        Assert.Equal(endpoint.Id, Assert.Single(disabled).EndpointId);
    }

    [Fact]
    public async Task ResendAsync_MessageNeverSentThere_CreatesManualDelivery()
    {
        var app = await AddApplicationAsync();
        var original = await AddEndpointAsync(app);
        var added = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, original);
        await Store.CompleteAsync([Succeeded(Assert.Single(await ClaimAsync(Start)), Start)], None);
        var now = Start.AddMinutes(1);

        Assert.True(await Store.ResendAsync(app.Id, message.Id, added.Id, now, None));

        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(message, added)).Status);
        var claimed = Assert.Single(await ClaimAsync(now));
        Assert.Equal(added.Id, claimed.Endpoint.Id);
        Assert.Equal(message.Id, claimed.Message.Id);
        Assert.Equal(AttemptTrigger.Manual, claimed.Trigger);
    }

    [Fact]
    public async Task ResendAsync_SucceededDelivery_QueuesManualAttemptNow()
    {
        var (app, endpoint, message, claimed) = await ClaimOneAsync();
        await Store.CompleteAsync([Succeeded(claimed, Start)], None);
        var now = Start.AddHours(1);

        Assert.True(await Store.ResendAsync(app.Id, message.Id, endpoint.Id, now, None));

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.Equal(now, delivery.NextAttemptAt);
        var again = Assert.Single(await ClaimAsync(now));
        Assert.Equal(claimed.DeliveryId, again.DeliveryId);
        Assert.Equal(AttemptTrigger.Manual, again.Trigger);
        // A fresh retry schedule: the dispatcher counts tries from here.
        Assert.Equal(0, again.AttemptCount);
    }

    [Fact]
    public async Task ResendAsync_DeliveryInFlight_KeepsLease()
    {
        var (app, endpoint, message, claimed) = await ClaimOneAsync();

        Assert.True(await Store.ResendAsync(app.Id, message.Id, endpoint.Id, Start.AddSeconds(1), None));

        // The lease holder is not robbed of its delivery: no second claim while it sends.
        Assert.Empty(await ClaimAsync(Start.AddSeconds(1)));
        await Store.CompleteAsync([Retry(claimed, Start.AddSeconds(2), Start.AddMinutes(5))], None);
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(message, endpoint)).Status);
    }

    [Fact]
    public async Task ResendAsync_DeliveryInFlightThenSucceeds_ManualTryStillFollows()
    {
        var (app, endpoint, message, claimed) = await ClaimOneAsync();
        Assert.True(await Store.ResendAsync(app.Id, message.Id, endpoint.Id, Start.AddSeconds(1), None));

        // The attempt in flight succeeds: the manual try that was asked for is not swallowed by it.
        var done = Start.AddSeconds(2);
        await Store.CompleteAsync([Succeeded(claimed, done)], None);

        var delivery = await GetDeliveryAsync(message, endpoint);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.Equal(done, delivery.NextAttemptAt);
        var again = Assert.Single(await ClaimAsync(done));
        Assert.Equal(claimed.DeliveryId, again.DeliveryId);
        Assert.Equal(AttemptTrigger.Manual, again.Trigger);
        Assert.Equal(0, again.AttemptCount);
        await Store.CompleteAsync([Succeeded(again, done.AddSeconds(1))], None);
        Assert.Equal(MessageStatus.Success, (await GetDeliveryAsync(message, endpoint)).Status);
        Assert.Equal(2, (await Store.ListAttemptsByMessageAsync(app.Id, message.Id, new AttemptFilter(), new ListQuery(), None)).Data.Count);
    }

    [Fact]
    public async Task ResendAsync_DeliveryInFlightWhoseLeaseRunsOut_ComesBackAsManualTry()
    {
        var (app, endpoint, message, claimed) = await ClaimOneAsync();
        Assert.True(await Store.ResendAsync(app.Id, message.Id, endpoint.Id, Start.AddSeconds(1), None));

        var again = Assert.Single(await ClaimAsync(Start + Lease + TimeSpan.FromSeconds(5)));

        Assert.Equal(claimed.DeliveryId, again.DeliveryId);
        Assert.Equal(AttemptTrigger.Manual, again.Trigger);
        Assert.Equal(0, again.AttemptCount);
    }

    [Fact]
    public async Task ResendAsync_UnknownMessageOrEndpoint_ReturnsFalse()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var foreignEndpoint = await AddEndpointAsync(other);
        var message = await AddMessageAsync(app, []);

        Assert.False(await Store.ResendAsync(app.Id, NewMessage(app).Id, endpoint.Id, Start, None));
        Assert.False(await Store.ResendAsync(app.Id, message.Id, NewEndpoint(app).Id, Start, None));
        Assert.False(await Store.ResendAsync(app.Id, message.Id, foreignEndpoint.Id, Start, None));
        Assert.False(await Store.ResendAsync(other.Id, message.Id, foreignEndpoint.Id, Start, None));

        Assert.Empty(await ClaimAsync(Start.AddDays(1)));
    }

    [Fact]
    public async Task RecoverFailedAsync_FailedInWindow_QueuedAgain()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var now = Start.AddDays(1);
        var old = await AddMessageAsync(app, endpoint, at: now.AddHours(-3));
        var inWindow = await AddMessageAsync(app, endpoint, at: now.AddHours(-2));
        var recent = await AddMessageAsync(app, endpoint, at: now.AddHours(-1));
        var succeeded = await AddMessageAsync(app, endpoint, at: now.AddMinutes(-90));
        var claimed = await ClaimAsync(now.AddMinutes(-30));
        await Store.CompleteAsync([.. claimed.Select(c => c.Message.Id == succeeded.Id ? Succeeded(c, now.AddMinutes(-30)) : Failed(c, now.AddMinutes(-30)))], None);

        Assert.Equal(1, await Store.RecoverFailedAsync(app.Id, endpoint.Id, now.AddHours(-2.5), now.AddHours(-1.5), now, None));
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(inWindow, endpoint)).Status);
        Assert.Equal(MessageStatus.Fail, (await GetDeliveryAsync(old, endpoint)).Status);
        Assert.Equal(MessageStatus.Fail, (await GetDeliveryAsync(recent, endpoint)).Status);

        Assert.Equal(1, await Store.RecoverFailedAsync(app.Id, endpoint.Id, now.AddHours(-2.5), null, now, None));
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(recent, endpoint)).Status);
        Assert.Equal(MessageStatus.Success, (await GetDeliveryAsync(succeeded, endpoint)).Status);

        var again = await ClaimAsync(now);
        Assert.Equal(new[] { inWindow.Id, recent.Id }.Order(StringComparer.Ordinal), again.Select(c => c.Message.Id).Order(StringComparer.Ordinal));
        Assert.All(again, c => Assert.Equal(0, c.AttemptCount));
    }

    [Fact]
    public async Task RecoverFailedAsync_OtherEndpoint_Untouched()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, [endpoint, other]);
        await Store.CompleteAsync([.. (await ClaimAsync(Start)).Select(c => Failed(c, Start))], None);

        Assert.Equal(1, await Store.RecoverFailedAsync(app.Id, endpoint.Id, Start.AddHours(-1), null, Start.AddMinutes(1), None));

        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(message, endpoint)).Status);
        Assert.Equal(MessageStatus.Fail, (await GetDeliveryAsync(message, other)).Status);
    }

    [Fact]
    public async Task GetEndpointStatsAsync_CountsDeliveriesByStatusInWindow()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        var messages = await AddMessagesAsync(app, endpoint, 6);
        await AddMessagesAsync(app, other, 3);
        var outOfWindow = await AddMessageAsync(app, endpoint, at: Start.AddDays(-2));
        var claimed = (await ClaimAsync(Start.AddSeconds(1), maxDeliveries: 100)).Where(c => c.Endpoint.Id == endpoint.Id && c.Message.Id != outOfWindow.Id)
            .OrderBy(c => c.Message.Id, StringComparer.Ordinal).ToList();
        var at = Start.AddSeconds(2);
        await Store.CompleteAsync([Succeeded(claimed[0], at), Succeeded(claimed[1], at), Failed(claimed[2], at), Retry(claimed[3], at, at.AddHours(1))], None);
        // claimed[4] and [5] stay leased: sending.

        var stats = await Store.GetEndpointStatsAsync(app.Id, endpoint.Id, Start.AddDays(-1), null, None);

        Assert.Equal(new EndpointStats(Success: 2, Pending: 1, Fail: 1, Sending: 2, Canceled: 0), stats);
        Assert.Equal(6, messages.Count);
        var all = await Store.GetEndpointStatsAsync(app.Id, endpoint.Id, null, null, None);
        Assert.Equal(7, all.Success + all.Pending + all.Fail + all.Sending);
        var before = await Store.GetEndpointStatsAsync(app.Id, endpoint.Id, null, Start.AddDays(-1), None);
        Assert.Equal(1, before.Success + before.Pending + before.Fail + before.Sending);
    }
}
