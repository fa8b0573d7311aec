using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Attempt logs: listing by endpoint and by message with every filter, get, expunge.</summary>
public abstract partial class StoreComplianceSuite
{
    private sealed record AttemptLog(Application App, Endpoint First, Endpoint Second, Message Created, Message Deleted, MessageAttempt[] Attempts);

    /// <summary>
    /// Two endpoints, two messages, five attempts one second apart:
    /// [0] created→first 500 (retry), [1] created→second 200, [2] deleted→first no response (retry, due again at [4]),
    /// [3] created→first 200, [4] deleted→first 404 (failed).
    /// </summary>
    private async Task<AttemptLog> AddAttemptLogAsync()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app);
        var second = await AddEndpointAsync(app);
        var created = await AddMessageAsync(app, [first, second], at: Start, eventType: "user.created", channels: ["eu", "project_1"]);
        var deleted = await AddMessageAsync(app, [first], at: Start.AddMilliseconds(1), eventType: "user.deleted", channels: ["us"]);
        var attempts = new List<MessageAttempt>();

        async Task ClaimAndCompleteAsync(Message message, Endpoint endpoint, DateTimeOffset now, Func<ClaimedDelivery, DeliveryCompletion> complete)
        {
            var claimed = (await ClaimAsync(now)).Single(c => c.Message.Id == message.Id && c.Endpoint.Id == endpoint.Id);
            var completion = complete(claimed);
            attempts.Add(completion.Attempt);
            await Store.CompleteAsync([completion], None);
        }

        // Each step claims exactly the one delivery it completes: the others are leased or not yet due.
        var t = Start.AddSeconds(1);
        var firstClaims = await ClaimAsync(t);
        Assert.Equal(3, firstClaims.Count);
        var createdFirst = firstClaims.Single(c => c.Message.Id == created.Id && c.Endpoint.Id == first.Id);
        var createdSecond = firstClaims.Single(c => c.Endpoint.Id == second.Id);
        var deletedFirst = firstClaims.Single(c => c.Message.Id == deleted.Id);
        DeliveryCompletion Record(DeliveryCompletion completion)
        {
            attempts.Add(completion.Attempt);
            return completion;
        }
        await Store.CompleteAsync([Record(Retry(createdFirst, t, t.AddSeconds(2), statusCode: 500))], None);
        await Store.CompleteAsync([Record(Succeeded(createdSecond, t.AddSeconds(1)))], None);
        await Store.CompleteAsync([Record(Retry(deletedFirst, t.AddSeconds(2), t.AddSeconds(4), statusCode: 0))], None);
        await ClaimAndCompleteAsync(created, first, t.AddSeconds(3), c => Succeeded(c, t.AddSeconds(3)));
        await ClaimAndCompleteAsync(deleted, first, t.AddSeconds(4), c => Failed(c, t.AddSeconds(4), statusCode: 404));
        return new AttemptLog(app, first, second, created, deleted, [.. attempts]);
    }

    private async Task<List<string>> AttemptIdsByEndpointAsync(AttemptLog log, Endpoint endpoint, AttemptFilter filter) =>
        [.. (await Store.ListAttemptsByEndpointAsync(log.App.Id, endpoint.Id, filter, new ListQuery { Descending = true }, None)).Data.Select(a => a.Id)];

    private async Task<List<string>> AttemptIdsByMessageAsync(AttemptLog log, Message message, AttemptFilter filter) =>
        [.. (await Store.ListAttemptsByMessageAsync(log.App.Id, message.Id, filter, new ListQuery { Descending = true }, None)).Data.Select(a => a.Id)];

    private static string[] Ids(AttemptLog log, params int[] indexes) => [.. indexes.Select(i => log.Attempts[i].Id)];

    [Fact]
    public async Task ListAttemptsByEndpointAsync_NoFilter_NewestFirstWithEveryField()
    {
        var log = await AddAttemptLogAsync();

        var page = await Store.ListAttemptsByEndpointAsync(log.App.Id, log.First.Id, new AttemptFilter(), new ListQuery { Descending = true }, None);

        Assert.Equal(Ids(log, 4, 3, 2, 0), page.Data.Select(a => a.Id));
        Assert.Equivalent(log.Attempts[2], page.Data[2], strict: true);
        Assert.True(page.Done);
    }

    [Fact]
    public async Task ListAttemptsByEndpointAsync_Ascending_OldestFirst()
    {
        var log = await AddAttemptLogAsync();

        var page = await Store.ListAttemptsByEndpointAsync(log.App.Id, log.First.Id, new AttemptFilter(), new ListQuery(), None);

        Assert.Equal(Ids(log, 0, 2, 3, 4), page.Data.Select(a => a.Id));
    }

    [Fact]
    public async Task ListAttemptsByEndpointAsync_StatusFilter()
    {
        var log = await AddAttemptLogAsync();

        Assert.Equal(Ids(log, 3), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Status = MessageStatus.Success }));
        Assert.Equal(Ids(log, 4, 2, 0), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Status = MessageStatus.Fail }));
    }

    [Theory]
    [InlineData(200, new[] { 3 })]
    [InlineData(400, new[] { 4 })]
    [InlineData(500, new[] { 0 })]
    [InlineData(0, new[] { 2 })]
    [InlineData(300, new int[0])]
    public async Task ListAttemptsByEndpointAsync_StatusCodeClassFilter(int codeClass, int[] expected)
    {
        var log = await AddAttemptLogAsync();

        var ids = await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { StatusCodeClass = codeClass });

        Assert.Equal(Ids(log, expected), ids);
    }

    [Fact]
    public async Task ListAttemptsByEndpointAsync_EventTypesAndChannelFilters()
    {
        var log = await AddAttemptLogAsync();

        Assert.Equal(Ids(log, 4, 2), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { EventTypes = ["user.deleted"] }));
        Assert.Equal(Ids(log, 4, 3, 2, 0), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { EventTypes = ["user.deleted", "user.created"] }));
        Assert.Equal(Ids(log, 3, 0), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Channel = "eu" }));
        Assert.Equal(Ids(log, 3, 0), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Channel = "project_1" }));
        Assert.Empty(await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Channel = "project_" }));
        Assert.Empty(await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Channel = "US" }));
        Assert.Equal(Ids(log, 4), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Channel = "us", Status = MessageStatus.Fail, StatusCodeClass = 400 }));
    }

    [Fact]
    public async Task ListAttemptsByEndpointAsync_BeforeAndAfter_FilterByAttemptTime()
    {
        var log = await AddAttemptLogAsync();
        var t = Start.AddSeconds(1);

        Assert.Equal(Ids(log, 4, 3), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { After = t.AddSeconds(2.5) }));
        Assert.Equal(Ids(log, 2, 0), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { Before = t.AddSeconds(2.5) }));
        Assert.Equal(Ids(log, 3, 2), await AttemptIdsByEndpointAsync(log, log.First, new AttemptFilter { After = t.AddSeconds(1.5), Before = t.AddSeconds(3.5) }));
    }

    [Fact]
    public async Task ListAttemptsByEndpointAsync_OtherEndpointOrApplication_NotListed()
    {
        var log = await AddAttemptLogAsync();
        var other = await AddApplicationAsync();

        Assert.Equal(Ids(log, 1), await AttemptIdsByEndpointAsync(log, log.Second, new AttemptFilter()));
        Assert.Empty((await Store.ListAttemptsByEndpointAsync(other.Id, log.First.Id, new AttemptFilter(), new ListQuery(), None)).Data);
    }

    [Fact]
    public async Task ListAttemptsByMessageAsync_WithEndpointFilter()
    {
        var log = await AddAttemptLogAsync();

        Assert.Equal(Ids(log, 3, 1, 0), await AttemptIdsByMessageAsync(log, log.Created, new AttemptFilter()));
        Assert.Equal(Ids(log, 1), await AttemptIdsByMessageAsync(log, log.Created, new AttemptFilter { EndpointId = log.Second.Id }));
        Assert.Equal(Ids(log, 3, 0), await AttemptIdsByMessageAsync(log, log.Created, new AttemptFilter { EndpointId = log.First.Id }));
        Assert.Equal(Ids(log, 4, 2), await AttemptIdsByMessageAsync(log, log.Deleted, new AttemptFilter()));
        Assert.Equal(Ids(log, 3, 1), await AttemptIdsByMessageAsync(log, log.Created, new AttemptFilter { StatusCodeClass = 200 }));
    }

    [Fact]
    public async Task GetAttemptAsync_ByAppMessageAndId()
    {
        var log = await AddAttemptLogAsync();
        var other = await AddApplicationAsync();
        var attempt = log.Attempts[4];

        Assert.Equivalent(attempt, await Store.GetAttemptAsync(log.App.Id, log.Deleted.Id, attempt.Id, None), strict: true);
        Assert.Null(await Store.GetAttemptAsync(log.App.Id, log.Created.Id, attempt.Id, None));
        Assert.Null(await Store.GetAttemptAsync(other.Id, log.Deleted.Id, attempt.Id, None));
    }

    [Fact]
    public async Task ExpungeAttemptContentAsync_Existing_ClearsResponseOnly()
    {
        var log = await AddAttemptLogAsync();
        var attempt = log.Attempts[0];

        Assert.True(await Store.ExpungeAttemptContentAsync(log.App.Id, log.Created.Id, attempt.Id, None));

        var stored = await Store.GetAttemptAsync(log.App.Id, log.Created.Id, attempt.Id, None);
        Assert.NotNull(stored);
        Assert.Equal("", stored.Response);
        Assert.Equivalent(attempt with { Response = "" }, stored, strict: true);
        Assert.Equal(log.Attempts[3].Response, (await Store.GetAttemptAsync(log.App.Id, log.Created.Id, log.Attempts[3].Id, None))?.Response);
    }

    [Fact]
    public async Task ExpungeAttemptContentAsync_Missing_ReturnsFalse()
    {
        var log = await AddAttemptLogAsync();

        Assert.False(await Store.ExpungeAttemptContentAsync(log.App.Id, log.Deleted.Id, log.Attempts[0].Id, None));
        Assert.Equal(log.Attempts[0].Response, (await Store.GetAttemptAsync(log.App.Id, log.Created.Id, log.Attempts[0].Id, None))?.Response);
    }
}
