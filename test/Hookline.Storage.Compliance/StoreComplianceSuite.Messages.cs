using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Messages: group insert with deliveries, eventId dedupe, lookups, filters, expunge and retention.</summary>
public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task InsertMessagesAsync_GroupOfSeveral_CreatesEachWithItsDeliveries()
    {
        var app = await AddApplicationAsync();
        var a = await AddEndpointAsync(app);
        var b = await AddEndpointAsync(app);
        var toBoth = NewMessage(app, Start);
        var toA = NewMessage(app, Start.AddMilliseconds(1));
        var toNone = NewMessage(app, Start.AddMilliseconds(2));

        var results = await Store.InsertMessagesAsync(
            [new NewMessage(toBoth, [a.Id, b.Id]), new NewMessage(toA, [a.Id]), new NewMessage(toNone, [])], None);

        Assert.All(results, r => Assert.Equal(MessageInsertOutcome.Created, r.Outcome));
        Assert.Equal(3, results.Count);
        async Task<IEnumerable<string>> DestinationsAsync(Message m) =>
            (await Store.ListMessageDestinationsAsync(app.Id, m.Id, new ListQuery(), None)).Data.Select(d => d.Endpoint.Id);
        Assert.Equal(new[] { a.Id, b.Id }.Order(StringComparer.Ordinal), await DestinationsAsync(toBoth));
        Assert.Equal([a.Id], await DestinationsAsync(toA));
        Assert.Empty(await DestinationsAsync(toNone));
        var delivery = await GetDeliveryAsync(toBoth, b);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.Equal(0, delivery.AttemptCount);
        Assert.Equal(toBoth.Id, delivery.MessageId);
        Assert.Equal(app.Id, delivery.AppId);
        Assert.Equal(3, (await ClaimAsync(Start.AddSeconds(1))).Count);
    }

    [Fact]
    public async Task InsertMessagesAsync_ThenGet_KeepsExactPayloadBytesAndFields()
    {
        var app = await AddApplicationAsync();
        var message = NewMessage(app, Start.AddMilliseconds(123), eventId: "evt-42", channels: ["project_1", "eu.west"], payloadExpiresAt: Start.AddDays(90)) with
        {
            // Exact bytes: key order, whitespace and escapes as the caller sent them (signatures cover them).
            Payload = [.. "{ \"b\":1,\n\"a\":\"\\u00e9\", \"c\": [ ] }"u8],
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ExtraHeaders = new Dictionary<string, string> { ["X-GitHub-Event"] = "push" },
        };

        await Store.InsertMessagesAsync([new NewMessage(message, [])], None);

        Assert.Equivalent(message, await Store.GetMessageAsync(app.Id, message.Id, None), strict: true);
    }

    [Fact]
    public async Task InsertMessagesAsync_DuplicateEventId_ReturnsExistingAndWritesNothing()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var first = await AddMessageAsync(app, endpoint, eventId: "evt-1");
        var second = NewMessage(app, Start.AddSeconds(1), eventId: "evt-1", eventType: "user.deleted");

        var result = Assert.Single(await Store.InsertMessagesAsync([new NewMessage(second, [endpoint.Id])], None));

        Assert.Equal(MessageInsertOutcome.DuplicateEventId, result.Outcome);
        Assert.Equal(first.Id, result.Existing?.Id);
        Assert.Equal(first.EventType, result.Existing?.EventType);
        Assert.Null(await Store.GetMessageAsync(app.Id, second.Id, None));
        Assert.Equal([first.Id], (await Store.ListMessagesAsync(app.Id, new MessageFilter(), new ListQuery(), withContent: false, None)).Data.Select(m => m.Id));
        Assert.Equal([first.Id], (await ClaimAsync(Start.AddMinutes(1))).Select(c => c.Message.Id));
    }

    [Fact]
    public async Task InsertMessagesAsync_SameEventIdTwiceInOneBatch_SecondIsDuplicateOfFirst()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var first = NewMessage(app, Start, eventId: "evt-1");
        var twin = NewMessage(app, Start.AddMilliseconds(1), eventId: "evt-1");
        var unrelated = NewMessage(app, Start.AddMilliseconds(2), eventId: "evt-2");

        var results = await Store.InsertMessagesAsync(
            [new NewMessage(first, [endpoint.Id]), new NewMessage(twin, [endpoint.Id]), new NewMessage(unrelated, [endpoint.Id])], None);

        Assert.Equal([MessageInsertOutcome.Created, MessageInsertOutcome.DuplicateEventId, MessageInsertOutcome.Created], results.Select(r => r.Outcome));
        Assert.Equal(first.Id, results[1].Existing?.Id);
        Assert.Null(await Store.GetMessageAsync(app.Id, twin.Id, None));
        Assert.Equal(first.Id, (await Store.GetMessageAsync(app.Id, "evt-1", None))?.Id);
        var claimed = await ClaimAsync(Start.AddMinutes(1));
        Assert.Equal(new[] { first.Id, unrelated.Id }.Order(StringComparer.Ordinal), claimed.Select(c => c.Message.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task InsertMessagesAsync_SameEventIdFromParallelWriters_OneCreatedOthersDuplicate()
    {
        // Two nodes accepting the same event at once: one wins, the others answer with it, none fails,
        // and the other messages of each group commit land regardless.
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];
        var candidates = Enumerable.Range(0, 8).Select(i => NewMessage(app, Start.AddMilliseconds(i), eventId: "evt-1")).ToList();

        var batches = await Task.WhenAll(candidates.Select((m, i) => Task.Run(() =>
            stores[i % 2].InsertMessagesAsync([new NewMessage(m, [endpoint.Id]), new NewMessage(NewMessage(app, Start), [endpoint.Id])], None))));

        Assert.All(batches, b => Assert.Equal(MessageInsertOutcome.Created, b[1].Outcome));
        var results = batches.Select(b => b[0]).ToArray();
        var created = Assert.Single(results, r => r.Outcome == MessageInsertOutcome.Created);
        var winner = candidates[Array.IndexOf(results, created)];
        Assert.All(results.Where(r => r != created), r => Assert.Equal(winner.Id, r.Existing?.Id));
        Assert.Equal(winner.Id, (await Store.GetMessageAsync(app.Id, "evt-1", None))?.Id);
        Assert.Equal(9, (await ClaimAsync(Start.AddSeconds(1), perEndpoint: 100)).Count);
    }

    [Fact]
    public async Task InsertMessagesAsync_SameEventIdInAnotherApplication_IsNotDuplicate()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        await AddMessageAsync(app, [], eventId: "evt-1");

        var result = Assert.Single(await Store.InsertMessagesAsync([new NewMessage(NewMessage(other, eventId: "evt-1"), [])], None));

        Assert.Equal(MessageInsertOutcome.Created, result.Outcome);
    }

    [Fact]
    public async Task InsertMessagesAsync_SeveralWithoutEventId_AllCreated()
    {
        var app = await AddApplicationAsync();

        var results = await Store.InsertMessagesAsync([new NewMessage(NewMessage(app), []), new NewMessage(NewMessage(app), [])], None);

        Assert.All(results, r => Assert.Equal(MessageInsertOutcome.Created, r.Outcome));
    }

    [Fact]
    public async Task GetMessageAsync_ByIdOrEventId_WithinApplicationOnly()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var message = await AddMessageAsync(app, [], eventId: "evt-1");

        Assert.Equal(message.Id, (await Store.GetMessageAsync(app.Id, message.Id, None))?.Id);
        Assert.Equal(message.Id, (await Store.GetMessageAsync(app.Id, "evt-1", None))?.Id);
        Assert.Null(await Store.GetMessageAsync(other.Id, message.Id, None));
        Assert.Null(await Store.GetMessageAsync(other.Id, "evt-1", None));
        Assert.Null(await Store.GetMessageAsync(app.Id, "evt-2", None));
    }

    private async Task<List<string>> ListMessageIdsAsync(Application app, MessageFilter filter) =>
        [.. (await Store.ListMessagesAsync(app.Id, filter, new ListQuery { Limit = ListQuery.MaxLimit }, withContent: false, None)).Data.Select(m => m.Id)];

    [Fact]
    public async Task ListMessagesAsync_ChannelFilter_MatchesWholeChannelsLiterally()
    {
        var app = await AddApplicationAsync();
        var underscore = await AddMessageAsync(app, [], at: Start, channels: ["a_b"]);
        var letter = await AddMessageAsync(app, [], at: Start.AddMilliseconds(1), channels: ["axb"]);
        var dot = await AddMessageAsync(app, [], at: Start.AddMilliseconds(2), channels: ["a.b"]);
        var second = await AddMessageAsync(app, [], at: Start.AddMilliseconds(3), channels: ["other", "a_b"]);
        var longer = await AddMessageAsync(app, [], at: Start.AddMilliseconds(4), channels: ["a_bc", "xa_b"]);
        var upper = await AddMessageAsync(app, [], at: Start.AddMilliseconds(5), channels: ["A_B"]);
        await AddMessageAsync(app, [], at: Start.AddMilliseconds(6));

        Assert.Equal(new[] { underscore.Id, second.Id }.Order(StringComparer.Ordinal), (await ListMessageIdsAsync(app, new MessageFilter { Channel = "a_b" })).Order(StringComparer.Ordinal));
        Assert.Equal([dot.Id], await ListMessageIdsAsync(app, new MessageFilter { Channel = "a.b" }));
        Assert.Equal([letter.Id], await ListMessageIdsAsync(app, new MessageFilter { Channel = "axb" }));
        // Channels compare like Endpoint.Accepts does: ordinal, whole names.
        Assert.Equal([upper.Id], await ListMessageIdsAsync(app, new MessageFilter { Channel = "A_B" }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Channel = "a" }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Channel = "a%" }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Channel = "%" }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Channel = "_" }));
        Assert.Equal([longer.Id], await ListMessageIdsAsync(app, new MessageFilter { Channel = "a_bc" }));
    }

    [Fact]
    public async Task ListMessagesAsync_EventTypesFilter_MatchesAnyOfThem()
    {
        var app = await AddApplicationAsync();
        var created = await AddMessageAsync(app, [], at: Start, eventType: "user.created");
        var deleted = await AddMessageAsync(app, [], at: Start.AddMilliseconds(1), eventType: "user.deleted");
        await AddMessageAsync(app, [], at: Start.AddMilliseconds(2), eventType: "invoice.paid");

        Assert.Equal([created.Id], await ListMessageIdsAsync(app, new MessageFilter { EventTypes = ["user.created"] }));
        Assert.Equal(new[] { created.Id, deleted.Id }.Order(StringComparer.Ordinal),
            (await ListMessageIdsAsync(app, new MessageFilter { EventTypes = ["user.deleted", "user.created"] })).Order(StringComparer.Ordinal));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { EventTypes = ["user"] }));
    }

    [Fact]
    public async Task ListMessagesAsync_BeforeAndAfter_FilterByCreationTime()
    {
        var app = await AddApplicationAsync();
        var m0 = await AddMessageAsync(app, [], at: Start);
        var m1 = await AddMessageAsync(app, [], at: Start.AddSeconds(1));
        var m2 = await AddMessageAsync(app, [], at: Start.AddSeconds(2));

        Assert.Equal(new[] { m1.Id, m2.Id }.Order(StringComparer.Ordinal), (await ListMessageIdsAsync(app, new MessageFilter { After = Start.AddMilliseconds(500) })).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { m0.Id, m1.Id }.Order(StringComparer.Ordinal), (await ListMessageIdsAsync(app, new MessageFilter { Before = Start.AddMilliseconds(1500) })).Order(StringComparer.Ordinal));
        Assert.Equal([m1.Id], await ListMessageIdsAsync(app, new MessageFilter { After = Start.AddMilliseconds(500), Before = Start.AddMilliseconds(1500) }));
        // Both bounds are strict.
        Assert.Equal([m2.Id], await ListMessageIdsAsync(app, new MessageFilter { After = Start.AddSeconds(1) }));
        Assert.Equal([m0.Id], await ListMessageIdsAsync(app, new MessageFilter { Before = Start.AddSeconds(1) }));
    }

    [Fact]
    public async Task ListMessagesAsync_FiltersCombined_AllApply()
    {
        var app = await AddApplicationAsync();
        var match = await AddMessageAsync(app, [], at: Start.AddSeconds(2), eventType: "user.created", channels: ["eu"]);
        await AddMessageAsync(app, [], at: Start.AddSeconds(2), eventType: "user.deleted", channels: ["eu"]);
        await AddMessageAsync(app, [], at: Start.AddSeconds(2), eventType: "user.created", channels: ["us"]);
        await AddMessageAsync(app, [], at: Start, eventType: "user.created", channels: ["eu"]);

        var ids = await ListMessageIdsAsync(app, new MessageFilter { Channel = "eu", EventTypes = ["user.created"], After = Start.AddSeconds(1) });

        Assert.Equal([match.Id], ids);
    }

    [Fact]
    public async Task ListMessagesAsync_StatusFilter_MatchesMessagesWithADeliveryInThatStatus()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app);
        var second = await AddEndpointAsync(app);
        var mixed = await AddMessageAsync(app, [first, second], at: Start);
        var failed = await AddMessageAsync(app, [first], at: Start.AddMilliseconds(1));
        var pending = await AddMessageAsync(app, [second], at: Start.AddMilliseconds(2));
        await AddMessageAsync(app, [], at: Start.AddMilliseconds(3));
        var t = Start.AddSeconds(1);
        var claims = (await ClaimAsync(t)).Where(c => c.Message.Id != pending.Id).ToList();
        await Store.CompleteAsync(
        [
            Succeeded(claims.Single(c => c.Message.Id == mixed.Id && c.Endpoint.Id == first.Id), t),
            Failed(claims.Single(c => c.Message.Id == mixed.Id && c.Endpoint.Id == second.Id), t),
            Failed(claims.Single(c => c.Message.Id == failed.Id), t),
        ], None);

        Assert.Equal([mixed.Id], await ListMessageIdsAsync(app, new MessageFilter { Status = MessageStatus.Success }));
        Assert.Equal([mixed.Id, failed.Id], await ListMessageIdsAsync(app, new MessageFilter { Status = MessageStatus.Fail }));
        Assert.Equal([pending.Id], await ListMessageIdsAsync(app, new MessageFilter { Status = MessageStatus.Sending }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Status = MessageStatus.Pending }));
    }

    [Fact]
    public async Task ListMessagesAsync_StatusFilter_ListsAMessageOnce_PagesAndCombinesWithTheOtherFilters()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app);
        var second = await AddEndpointAsync(app);
        var other = await AddApplicationAsync();
        var elsewhere = await AddEndpointAsync(other);
        await AddMessageAsync(other, [elsewhere], at: Start);
        // Each message waits on both endpoints: two pending deliveries, one row.
        var waiting = new List<Message>();
        for (var i = 0; i < 5; i++)
        {
            waiting.Add(await AddMessageAsync(app, [first, second], at: Start.AddMilliseconds(i + 1), eventType: i % 2 == 0 ? "a.even" : "b.odd", channels: i < 3 ? ["eu"] : null));
        }

        var pages = new List<List<string>>();
        string? iterator = null;
        do
        {
            var page = await Store.ListMessagesAsync(app.Id, new MessageFilter { Status = MessageStatus.Pending }, new ListQuery { Limit = 2, Iterator = iterator }, withContent: false, None);
            pages.Add([.. page.Data.Select(m => m.Id)]);
            iterator = page.Done ? null : page.Iterator;
        }
        while (iterator is not null);

        Assert.Equal(waiting.Select(m => m.Id), pages.SelectMany(p => p));
        Assert.All(pages.SkipLast(1), p => Assert.Equal(2, p.Count));
        Assert.Equal([waiting[0].Id, waiting[2].Id], await ListMessageIdsAsync(app, new MessageFilter { Status = MessageStatus.Pending, EventTypes = ["a.even"], Channel = "eu" }));
        Assert.Equal([waiting[1].Id, waiting[2].Id], await ListMessageIdsAsync(app, new MessageFilter
        {
            Status = MessageStatus.Pending,
            After = waiting[0].CreatedAt,
            Before = waiting[3].CreatedAt,
        }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Status = MessageStatus.Fail }));
    }

    [Fact]
    public async Task ListMessagesAsync_WithoutContent_OmitsPayloadOnly()
    {
        var app = await AddApplicationAsync();
        var message = await AddMessageAsync(app, [], eventId: "evt-1", channels: ["eu"]);

        var without = Assert.Single((await Store.ListMessagesAsync(app.Id, new MessageFilter(), new ListQuery(), withContent: false, None)).Data);
        var full = Assert.Single((await Store.ListMessagesAsync(app.Id, new MessageFilter(), new ListQuery(), withContent: true, None)).Data);

        Assert.Null(without.Payload);
        Assert.Equal(message.EventId, without.EventId);
        Assert.Equal(message.Channels, without.Channels);
        Assert.Equal(message.Payload, full.Payload);
    }

    [Fact]
    public async Task ListMessagesAsync_OtherApplication_NotListed()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var mine = await AddMessageAsync(app, []);
        await AddMessageAsync(other, []);

        Assert.Equal([mine.Id], await ListMessageIdsAsync(app, new MessageFilter()));
    }

    [Fact]
    public async Task ExpungeMessageContentAsync_Existing_RemovesPayloadKeepsMessage()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var message = await AddMessageAsync(app, endpoint, eventId: "evt-1");
        var kept = await AddMessageAsync(app, endpoint, at: Start.AddMilliseconds(1));

        Assert.True(await Store.ExpungeMessageContentAsync(app.Id, message.Id, None));

        var expunged = await Store.GetMessageAsync(app.Id, message.Id, None);
        Assert.NotNull(expunged);
        Assert.Null(expunged.Payload);
        Assert.Equal("evt-1", expunged.EventId);
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(message, endpoint)).Status);
        Assert.Equal(kept.Payload, (await Store.GetMessageAsync(app.Id, kept.Id, None))?.Payload);
    }

    [Fact]
    public async Task ExpungeMessageContentAsync_MissingOrOtherApplication_ReturnsFalse()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var message = await AddMessageAsync(app, []);

        Assert.False(await Store.ExpungeMessageContentAsync(app.Id, NewMessage(app).Id, None));
        Assert.False(await Store.ExpungeMessageContentAsync(other.Id, message.Id, None));

        Assert.Equal(message.Payload, (await Store.GetMessageAsync(app.Id, message.Id, None))?.Payload);
    }

    [Fact]
    public async Task PurgeExpiredPayloadsAsync_ExpiredOnly_InBatches()
    {
        var app = await AddApplicationAsync();
        var expired = new List<Message>();
        for (var i = 0; i < 3; i++)
        {
            expired.Add(await AddMessageAsync(app, [], at: Start.AddMilliseconds(i), payloadExpiresAt: Start.AddDays(1).AddSeconds(-i)));
        }
        var notYet = await AddMessageAsync(app, [], at: Start.AddMilliseconds(10), payloadExpiresAt: Start.AddDays(2));
        var forever = await AddMessageAsync(app, [], at: Start.AddMilliseconds(11));
        var now = Start.AddDays(1).AddSeconds(1);

        Assert.Equal(2, await Store.PurgeExpiredPayloadsAsync(now, batchSize: 2, None));
        Assert.Equal(1, await Store.PurgeExpiredPayloadsAsync(now, batchSize: 2, None));
        Assert.Equal(0, await Store.PurgeExpiredPayloadsAsync(now, batchSize: 2, None));

        foreach (var message in expired)
        {
            var stored = await Store.GetMessageAsync(app.Id, message.Id, None);
            Assert.NotNull(stored);
            Assert.Null(stored.Payload);
        }
        Assert.Equal(notYet.Payload, (await Store.GetMessageAsync(app.Id, notYet.Id, None))?.Payload);
        Assert.Equal(forever.Payload, (await Store.GetMessageAsync(app.Id, forever.Id, None))?.Payload);
    }
}
