using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Message tags (stored, read back, filtered) and the store half of replay-missing.</summary>
public abstract partial class StoreComplianceSuite
{
    private async Task<Message> AddTaggedMessageAsync(Application app, IEnumerable<Endpoint> endpoints, DateTimeOffset at, IReadOnlyList<string>? tags, IReadOnlyList<string>? channels = null)
    {
        var message = NewMessage(app, at, channels: channels) with { Tags = tags };
        var results = await Store.InsertMessagesAsync([new NewMessage(message, endpoints.Select(e => e.Id).ToArray())], None);
        Assert.Equal(MessageInsertOutcome.Created, Assert.Single(results).Outcome);
        return message;
    }

    [Fact]
    public async Task ListMessagesAsync_TagFilter_WalksTheTagsMessagesWithTheOtherFilters()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var m1 = await AddTaggedMessageAsync(app, [endpoint], Start, ["user_1", "order.9"], ["eu"]);
        var m2 = await AddTaggedMessageAsync(app, [endpoint], Start.AddMilliseconds(1), ["order.9"]);
        var m3 = await AddTaggedMessageAsync(app, [endpoint], Start.AddMilliseconds(2), null);
        var m4 = await AddTaggedMessageAsync(app, [], Start.AddMilliseconds(3), ["user_1"], ["us"]);
        await AddTaggedMessageAsync(other, [], Start.AddMilliseconds(4), ["user_1"]);

        Assert.Equal(["user_1", "order.9"], (await Store.GetMessageAsync(app.Id, m1.Id, None))!.Tags);
        Assert.Null((await Store.GetMessageAsync(app.Id, m3.Id, None))!.Tags);
        Assert.Equal([m1.Id, m4.Id], await ListMessageIdsAsync(app, new MessageFilter { Tag = "user_1" }));
        Assert.Equal([m1.Id, m2.Id], await ListMessageIdsAsync(app, new MessageFilter { Tag = "order.9" }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Tag = "user" }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Tag = "USER_1" }));
        Assert.Equal([m1.Id], await ListMessageIdsAsync(app, new MessageFilter { Tag = "user_1", Channel = "eu" }));
        Assert.Equal([m4.Id], await ListMessageIdsAsync(app, new MessageFilter { Tag = "user_1", After = Start.AddMilliseconds(2) }));
        // Pending deliveries (m1, m2 went to the endpoint; m4 to none).
        Assert.Equal([m1.Id, m2.Id], await ListMessageIdsAsync(app, new MessageFilter { Tag = "order.9", Status = MessageStatus.Pending }));
        Assert.Equal([m1.Id], await ListMessageIdsAsync(app, new MessageFilter { Tag = "user_1", Status = MessageStatus.Pending }));

        var page = await Store.ListMessagesAsync(app.Id, new MessageFilter { Tag = "user_1" }, new ListQuery { Limit = 1, Descending = true }, withContent: false, None);
        Assert.Equal(m4.Id, Assert.Single(page.Data).Id);
        Assert.Equal(["user_1"], page.Data[0].Tags);

        var sent = await Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter { Tag = "user_1" }, new ListQuery { Limit = 10 }, withContent: false, None);
        Assert.Equal([m1.Id], sent.Data.Select(x => x.Message.Id));
        Assert.Equal(["user_1", "order.9"], sent.Data[0].Message.Tags);
    }

    [Fact]
    public async Task ListReplayCandidatesAsync_WindowInBatches_SaysWhatTheEndpointHasAndWhatCanBeSent()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var later = await AddEndpointAsync(app);
        var before = await AddMessageAsync(app, [endpoint], at: Start.AddMinutes(-10));
        var sentToLater = await AddMessageAsync(app, [endpoint, later], at: Start, eventType: "a", channels: ["eu"]);
        var missing = await AddMessageAsync(app, [endpoint], at: Start.AddMilliseconds(1), eventType: "b");
        var expunged = await AddMessageAsync(app, [endpoint], at: Start.AddMilliseconds(2));
        var last = await AddMessageAsync(app, [endpoint], at: Start.AddMilliseconds(3));
        var after = await AddMessageAsync(app, [endpoint], at: Start.AddMinutes(10));
        Assert.True(await Store.ExpungeMessageContentAsync(app.Id, expunged.Id, None));

        var first = await Store.ListReplayCandidatesAsync(app.Id, later.Id, null, Start, Start.AddMinutes(1), 2, None);
        Assert.Equal([sentToLater.Id, missing.Id], first.Select(c => c.MessageId));
        Assert.Equal(("a", true, true), (first[0].EventType, first[0].Delivered, first[0].HasPayload));
        Assert.Equal(["eu"], first[0].Channels);
        Assert.Equal(("b", false, true), (first[1].EventType, first[1].Delivered, first[1].HasPayload));
        Assert.Null(first[1].Channels);
        var second = await Store.ListReplayCandidatesAsync(app.Id, later.Id, first[^1].MessageId, Start, Start.AddMinutes(1), 2, None);
        Assert.Equal([expunged.Id, last.Id], second.Select(c => c.MessageId));
        Assert.False(second[0].HasPayload);
        Assert.All(second, c => Assert.False(c.Delivered));
        Assert.Empty(await Store.ListReplayCandidatesAsync(app.Id, later.Id, second[^1].MessageId, Start, Start.AddMinutes(1), 2, None));
        // The window excludes what lies outside it, and another application's messages never show.
        var all = await Store.ListReplayCandidatesAsync(app.Id, later.Id, null, Start.AddHours(-1), Start.AddHours(1), 100, None);
        Assert.Equal([before.Id, sentToLater.Id, missing.Id, expunged.Id, last.Id, after.Id], all.Select(c => c.MessageId));
        var otherApp = await AddApplicationAsync();
        Assert.Empty(await Store.ListReplayCandidatesAsync(otherApp.Id, later.Id, null, Start.AddHours(-1), Start.AddHours(1), 100, None));
    }

    [Fact]
    public async Task QueueMissingDeliveriesAsync_QueuesOncePerMessage_NothingForAMissingEndpoint()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var later = await AddEndpointAsync(app);
        var had = await AddMessageAsync(app, [later], at: Start.AddMinutes(-2));
        var missing = await AddMessageAsync(app, [endpoint], at: Start.AddMinutes(-1));
        await Store.CompleteAsync([.. (await ClaimAsync(Start)).Select(c => Succeeded(c, Start))], None);

        Assert.Equal(1, await Store.QueueMissingDeliveriesAsync(app.Id, later.Id, [had.Id, missing.Id], Start.AddMinutes(1), None));
        Assert.Equal(0, await Store.QueueMissingDeliveriesAsync(app.Id, later.Id, [missing.Id], Start.AddMinutes(1), None));
        Assert.Equal(MessageStatus.Success, (await GetDeliveryAsync(had, later)).Status);
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(missing, later)).Status);
        var claimed = Assert.Single(await ClaimAsync(Start.AddMinutes(1)));
        Assert.Equal((missing.Id, later.Id), (claimed.Message.Id, claimed.Endpoint.Id));

        Assert.Null(await Store.QueueMissingDeliveriesAsync(app.Id, NewEndpoint(app).Id, [missing.Id], Start.AddMinutes(1), None));
        var otherApp = await AddApplicationAsync();
        Assert.Null(await Store.QueueMissingDeliveriesAsync(otherApp.Id, later.Id, [missing.Id], Start.AddMinutes(1), None));
    }

    [Fact]
    public async Task SaveTaskProgressAsync_KeepsTheLeaseAndStoresTheData()
    {
        var task = NewTask(type: "endpoint.replay");
        await Store.CreateTaskAsync(task, None);
        Assert.NotNull(await Store.ClaimTaskAsync(Start, TimeSpan.FromMinutes(1), None));

        await Store.SaveTaskProgressAsync(task.Id, """{"messagesSent":500}""", Start.AddSeconds(50), Start.AddMinutes(5), None);

        Assert.Equal(task with { DataJson = """{"messagesSent":500}""", UpdatedAt = Start.AddSeconds(50) }, await Store.GetTaskAsync(task.Id, None));
        Assert.Null(await Store.ClaimTaskAsync(Start.AddMinutes(4), TimeSpan.FromMinutes(1), None));
        Assert.Equal(task.Id, (await Store.ClaimTaskAsync(Start.AddMinutes(6), TimeSpan.FromMinutes(1), None))?.Id);

        // A finished task is not brought back to life by a late progress save.
        await Store.UpdateTaskAsync(task.Id, "finished", """{"messagesSent":600}""", Start.AddMinutes(7), None);
        await Store.SaveTaskProgressAsync(task.Id, """{"messagesSent":550}""", Start.AddMinutes(8), Start.AddMinutes(9), None);
        Assert.Equal("""{"messagesSent":600}""", (await Store.GetTaskAsync(task.Id, None))!.DataJson);
    }

    [Fact]
    public async Task DeleteApplicationAsync_RemovesItsTags()
    {
        var app = await AddApplicationAsync();
        var keep = await AddApplicationAsync();
        await AddTaggedMessageAsync(app, [], Start, ["t"]);
        var kept = await AddTaggedMessageAsync(keep, [], Start, ["t"]);

        Assert.True(await Store.DeleteApplicationAsync(app.Id, None));

        Assert.Equal([kept.Id], await ListMessageIdsAsync(keep, new MessageFilter { Tag = "t" }));
        Assert.Empty(await ListMessageIdsAsync(app, new MessageFilter { Tag = "t" }));
    }
}
