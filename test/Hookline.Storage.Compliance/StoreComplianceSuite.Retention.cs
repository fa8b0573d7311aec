using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Bounded history: the retention purge, and endpoint stats read from the rollup equal to counting the rows.</summary>
public abstract partial class StoreComplianceSuite
{
    private static readonly DateTimeOffset RetentionCutoff = Start.AddDays(-90);

    [Fact]
    public async Task PurgeHistoryAsync_OldFinishedMessages_RemovedWithAttemptsDeliveriesAndChannels()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        var oldDone = await AddMessageAsync(app, [endpoint, other], at: Start.AddDays(-100), channels: ["project-1"]);
        var oldFailed = await AddMessageAsync(app, [endpoint], at: Start.AddDays(-95));
        var recent = await AddMessageAsync(app, [endpoint], at: Start.AddDays(-10), channels: ["project-1"]);
        foreach (var claimed in await ClaimAsync(Start))
        {
            var done = claimed.Message.Id == oldFailed.Id ? Failed(claimed, Start) : Succeeded(claimed, Start);
            await Store.CompleteAsync([done], None);
        }

        var purged = await Store.PurgeHistoryAsync(RetentionCutoff, 100, None);

        Assert.Equal(new HistoryPurge(2, 0), purged);
        Assert.Null(await Store.GetMessageAsync(app.Id, oldDone.Id, None));
        Assert.Null(await Store.GetMessageAsync(app.Id, oldFailed.Id, None));
        Assert.Empty((await Store.ListAttemptsByMessageAsync(app.Id, oldDone.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        Assert.Empty((await Store.ListAttemptsByEndpointAsync(app.Id, other.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        Assert.Empty((await Store.ListMessageDestinationsAsync(app.Id, oldDone.Id, new ListQuery(), None)).Data);
        var inChannel = await Store.ListMessagesAsync(app.Id, new MessageFilter { Channel = "project-1" }, new ListQuery(), withContent: false, None);
        Assert.Equal([recent.Id], inChannel.Data.Select(m => m.Id));
        Assert.Equal([recent.Id], (await Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter(), new ListQuery(), withContent: false, None)).Data.Select(x => x.Message.Id));
        Assert.Single((await Store.ListAttemptsByMessageAsync(app.Id, recent.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        Assert.Equal(new EndpointStats(1, 0, 0, 0, 0), await Store.GetEndpointStatsAsync(app.Id, endpoint.Id, null, null, None));
        Assert.Equal(new HistoryPurge(0, 0), await Store.PurgeHistoryAsync(RetentionCutoff, 100, None));
    }

    [Fact]
    public async Task PurgeHistoryAsync_PendingOrSendingDelivery_MessageKept()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var disabled = await AddEndpointAsync(app, disabled: true);
        // One delivery done, the other waiting for its disabled endpoint: the message stays whole.
        var waiting = await AddMessageAsync(app, [endpoint, disabled], at: Start.AddDays(-200));
        var sending = await AddMessageAsync(app, [endpoint], at: Start.AddDays(-150));
        var retrying = await AddMessageAsync(app, [endpoint], at: Start.AddDays(-120));
        foreach (var claimed in await ClaimAsync(Start))
        {
            if (claimed.Message.Id == waiting.Id)
            {
                await Store.CompleteAsync([Succeeded(claimed, Start)], None);
            }
            else if (claimed.Message.Id == retrying.Id)
            {
                await Store.CompleteAsync([Retry(claimed, Start, Start.AddHours(1))], None);
            }
            // The "sending" message's delivery stays leased.
        }

        var purged = await Store.PurgeHistoryAsync(RetentionCutoff, 100, None);

        Assert.Equal(new HistoryPurge(0, 0), purged);
        foreach (var kept in new[] { waiting, sending, retrying })
        {
            Assert.NotNull(await Store.GetMessageAsync(app.Id, kept.Id, None));
        }
        Assert.Equal(MessageStatus.Success, (await GetDeliveryAsync(waiting, endpoint)).Status);
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(waiting, disabled)).Status);
        Assert.Equal(2, (await Store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, new AttemptFilter(), new ListQuery(), None)).Data.Count);
    }

    [Fact]
    public async Task PurgeHistoryAsync_IngestLog_OldEntriesRemovedInBatches()
    {
        var source = HooklineIds.New(HooklineIds.Source, Start);
        var old = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var at = Start.AddDays(-100).AddMinutes(i);
            var record = NewIngestRequest(source, at, IngestOutcome.Rejected);
            old.Add(record.Id);
            await Store.InsertIngestRequestAsync(record, None);
        }
        var recent = NewIngestRequest(source, Start.AddDays(-1), IngestOutcome.Rejected);
        await Store.InsertIngestRequestAsync(recent, None);

        Assert.Equal(new HistoryPurge(0, 2), await Store.PurgeHistoryAsync(RetentionCutoff, 2, None));
        Assert.Equal(new HistoryPurge(0, 1), await Store.PurgeHistoryAsync(RetentionCutoff, 2, None));
        Assert.Equal(new HistoryPurge(0, 0), await Store.PurgeHistoryAsync(RetentionCutoff, 2, None));

        var left = await Store.ListIngestRequestsAsync(source, new ListQuery(), None);
        Assert.Equal([recent.Id], left.Data.Select(r => r.Id));
    }

    [Fact]
    public async Task PurgeHistoryAsync_TwoNodesAtOnce_EachMessageRemovedAndUncountedOnce()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        const int Count = 240;
        var old = await AddMessagesAsync(app, endpoint, Count, from: Start.AddDays(-100));
        var recent = await AddMessagesAsync(app, endpoint, 10, from: Start.AddDays(-1));
        await CompleteAllAsync(Start, (c, i) => i % 3 == 0 ? Failed(c, Start) : Succeeded(c, Start));
        var second = await CreateStoreAsync();

        async Task<int> PurgeLoopAsync(IHooklineStore store)
        {
            var total = 0;
            while (true)
            {
                var batch = await store.PurgeHistoryAsync(RetentionCutoff, 7, None);
                total += batch.Messages;
                if (batch.Messages == 0)
                {
                    return total;
                }
            }
        }
        var counts = await Task.WhenAll(Task.Run(() => PurgeLoopAsync(Store)), Task.Run(() => PurgeLoopAsync(second)));

        Assert.Equal(Count, counts.Sum());
        foreach (var message in old.Take(5).Concat(old.TakeLast(5)))
        {
            Assert.Null(await Store.GetMessageAsync(app.Id, message.Id, None));
        }
        var stats = await Store.GetEndpointStatsAsync(app.Id, endpoint.Id, null, null, None);
        Assert.Equal(recent.Count, stats.Success + stats.Fail);
        Assert.Equal(await RawStatsAsync(app, endpoint, null, null), stats);
        Assert.Equal(new EndpointStats(0, 0, 0, 0, 0), await second.GetEndpointStatsAsync(app.Id, endpoint.Id, null, RetentionCutoff, None));
    }

    [Fact]
    public async Task PurgeHistoryAsync_ResendDuringPurge_ResentMessageKeptWithPendingDelivery()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var old = await AddMessagesAsync(app, endpoint, 120, from: Start.AddDays(-100));
        await CompleteAllAsync(Start, (c, _) => Succeeded(c, Start));
        var second = await CreateStoreAsync();

        // Two nodes purge while a third resends old messages: a resend that answers true must leave
        // its message in place with a pending delivery, never a delivery for a removed message.
        var resent = new System.Collections.Concurrent.ConcurrentBag<string>();
        async Task ResendAsync()
        {
            foreach (var message in old.Where((_, i) => i % 3 == 0))
            {
                if (await second.ResendAsync(app.Id, message.Id, endpoint.Id, Start.AddMinutes(1), None))
                {
                    resent.Add(message.Id);
                }
            }
        }
        async Task PurgeAsync(IHooklineStore store)
        {
            while ((await store.PurgeHistoryAsync(RetentionCutoff, 5, None)).Messages > 0)
            {
            }
        }
        await Task.WhenAll(Task.Run(ResendAsync), Task.Run(() => PurgeAsync(Store)), Task.Run(() => PurgeAsync(second)));
        await PurgeAsync(Store);

        foreach (var id in resent)
        {
            Assert.NotNull(await Store.GetMessageAsync(app.Id, id, None));
        }
        var left = (await WalkForwardAsync(q => Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter(), q, withContent: false, None), ListQuery.MaxLimit, descending: false))
            .SelectMany(p => p.Data).ToList();
        Assert.Equal(resent.Order(StringComparer.Ordinal), left.Select(x => x.Message.Id).Order(StringComparer.Ordinal));
        Assert.All(left, x => Assert.Equal(MessageStatus.Pending, x.Delivery.Status));
        Assert.Equal(new EndpointStats(0, resent.Count, 0, 0, 0), await Store.GetEndpointStatsAsync(app.Id, endpoint.Id, null, null, None));
        Assert.Equal(resent.Count, await Store.CountDueAsync(Start.AddMinutes(1), None));
    }

    [Fact]
    public async Task GetEndpointStatsAsync_FromRollup_EqualsCountOfRows()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        // Messages over five hours, 7 minutes apart, to two endpoints; then a mix of every way a
        // delivery enters or leaves a finished state.
        var from = Start.AddHours(-5).AddMinutes(13);
        var messages = new List<Message>();
        for (var i = 0; i < 40; i++)
        {
            messages.Add(await AddMessageAsync(app, [endpoint, other], at: from.AddMinutes(7 * i)));
        }
        var now = Start.AddMinutes(1);
        var random = new Random(13);
        var claims = await ClaimAsync(now, maxDeliveries: 1000, perEndpoint: 1000);
        Assert.Equal(80, claims.Count);
        var leftSending = claims.Where((_, i) => i % 10 == 9).ToList();
        var resendWhileSending = claims.Where((_, i) => i % 10 == 8).ToList();
        foreach (var claimed in resendWhileSending)
        {
            Assert.True(await Store.ResendAsync(app.Id, claimed.Message.Id, claimed.Endpoint.Id, now, None));
        }
        var completions = claims.Except(leftSending).Select(c => random.Next(3) switch
        {
            0 => Failed(c, now),
            1 => Retry(c, now, now.AddHours(1)),
            _ => Succeeded(c, now),
        }).ToList();
        // A stale completion (another claim's lease token) changes nothing.
        completions.Add(Succeeded(leftSending[0], now) with { LeaseToken = "stale" });
        await Store.CompleteAsync(completions, None);
        await AssertStatsMatchRowsAsync(app, [endpoint, other], from);

        // Resend of finished deliveries, recover of failed ones: back to pending.
        foreach (var message in messages.Where((_, i) => i % 4 == 0))
        {
            await Store.ResendAsync(app.Id, message.Id, endpoint.Id, now, None);
        }
        await Store.RecoverFailedAsync(app.Id, other.Id, from.AddHours(2), null, now, None);
        await AssertStatsMatchRowsAsync(app, [endpoint, other], from);

        // Finish what is pending now, then purge the first two hours.
        var later = now.AddHours(2);
        await Store.CompleteAsync([.. (await ClaimAsync(later, maxDeliveries: 1000, perEndpoint: 1000))
            .Select((c, i) => i % 2 == 0 ? Succeeded(c, later) : Failed(c, later))], None);
        await AssertStatsMatchRowsAsync(app, [endpoint, other], from);
        await Store.PurgeHistoryAsync(from.AddHours(2), 1000, None);
        await AssertStatsMatchRowsAsync(app, [endpoint, other], from);
    }

    private async Task AssertStatsMatchRowsAsync(Application app, IReadOnlyList<Endpoint> endpoints, DateTimeOffset from)
    {
        var hour = TimeSpan.FromHours(1);
        var wholeHour = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, 0, 0, TimeSpan.Zero);
        (DateTimeOffset?, DateTimeOffset?)[] windows =
        [
            (null, null),
            (wholeHour, null),
            (null, wholeHour + (3 * hour)),
            (wholeHour + hour, wholeHour + (3 * hour)),
            (from.AddMinutes(20), null),
            (from.AddMinutes(20), from.AddMinutes(200)),
            (from.AddMinutes(61), from.AddMinutes(75)),
            (wholeHour + hour, from.AddMinutes(230)),
            // The far edges of what a client may send: nothing after the last hour an id encodes.
            (DateTimeOffset.MaxValue.AddSeconds(-1), null),
            (null, DateTimeOffset.MaxValue),
            (DateTimeOffset.MinValue, DateTimeOffset.MaxValue),
        ];
        foreach (var endpoint in endpoints)
        {
            foreach (var (since, until) in windows)
            {
                var expected = await RawStatsAsync(app, endpoint, since, until);
                var actual = await Store.GetEndpointStatsAsync(app.Id, endpoint.Id, since, until, None);
                Assert.True(expected == actual, $"endpoint {endpoint.Id} [{since:HH:mm}, {until:HH:mm}): rows say {expected}, stats say {actual}");
            }
        }
    }

    /// <summary>Endpoint stats counted from the rows: the endpoint's message list, every page.</summary>
    private async Task<EndpointStats> RawStatsAsync(Application app, Endpoint endpoint, DateTimeOffset? since, DateTimeOffset? until)
    {
        var pages = await WalkForwardAsync(q => Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter(), q, withContent: false, None), ListQuery.MaxLimit, descending: false);
        var rows = pages.SelectMany(p => p.Data)
            .Where(x => (since is null || x.Message.CreatedAt >= since) && (until is null || x.Message.CreatedAt < until))
            .Select(x => x.Delivery.Status).ToList();
        return new EndpointStats(
            rows.Count(s => s == MessageStatus.Success), rows.Count(s => s == MessageStatus.Pending),
            rows.Count(s => s == MessageStatus.Fail), rows.Count(s => s == MessageStatus.Sending), 0);
    }

    private async Task CompleteAllAsync(DateTimeOffset now, Func<ClaimedDelivery, int, DeliveryCompletion> complete)
    {
        while (await ClaimAsync(now, maxDeliveries: 500, perEndpoint: 1000) is { Count: > 0 } claims)
        {
            await Store.CompleteAsync([.. claims.Select(complete)], None);
        }
    }

    private static IngestRequestRecord NewIngestRequest(string sourceId, DateTimeOffset at, IngestOutcome outcome) => new()
    {
        Id = HooklineIds.New(HooklineIds.IngestLog, at),
        SourceId = sourceId,
        ReceivedAt = at,
        Outcome = outcome,
        StatusCode = 401,
        ErrorText = "invalid signature",
        Headers = [new("content-type", "application/json")],
        Body = [.. "{}"u8],
    };
}
