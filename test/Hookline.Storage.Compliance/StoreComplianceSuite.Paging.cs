using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Pagination: every list walks forward over each item exactly once in order, and back with prevIterator.</summary>
public abstract partial class StoreComplianceSuite
{
    private static IEnumerable<string> Sorted(IEnumerable<string> ids, bool descending) =>
        descending ? ids.OrderDescending(StringComparer.Ordinal) : ids.Order(StringComparer.Ordinal);

    private static void AssertCoversEachOnceInOrder<T>(List<Page<T>> pages, Func<T, string> key, IEnumerable<string> expected)
    {
        var walked = pages.SelectMany(p => p.Data).Select(key).ToList();
        Assert.Equal(expected, walked);
        Assert.True(pages[^1].Done);
        Assert.All(pages[..^1], p => Assert.False(p.Done));
    }

    [Theory]
    [InlineData(false, 7)]
    [InlineData(true, 7)]
    [InlineData(true, 5)] // the last page is exactly full
    [InlineData(false, 1)]
    public async Task ListMessagesAsync_WalkForward_CoversEveryMessageOnceInOrder(bool descending, int limit)
    {
        var app = await AddApplicationAsync();
        var messages = await AddMessagesAsync(app, await AddEndpointAsync(app), 25);
        // Several in one millisecond too: their ids still order them, and no page boundary may lose one.
        var sameInstant = Enumerable.Range(0, 5).Select(_ => NewMessage(app, Start.AddMilliseconds(12))).ToList();
        await Store.InsertMessagesAsync(sameInstant.ConvertAll(m => new NewMessage(m, [])), None);
        var other = await AddApplicationAsync();
        await AddMessagesAsync(other, await AddEndpointAsync(other), 3);

        var pages = await WalkForwardAsync(q => Store.ListMessagesAsync(app.Id, new MessageFilter(), q, withContent: false, None), limit, descending);

        AssertCoversEachOnceInOrder(pages, m => m.Id, Sorted(messages.Concat(sameInstant).Select(m => m.Id), descending));
        Assert.Equal((30 + limit - 1) / limit, pages.Count);
    }

    [Fact]
    public async Task ListMessagesAsync_WalkForwardWithFilter_CoversMatchesOnly()
    {
        var app = await AddApplicationAsync();
        var matching = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var message = await AddMessageAsync(app, [], at: Start.AddMilliseconds(i), channels: [i % 2 == 0 ? "even" : "odd"]);
            if (i % 2 == 0)
            {
                matching.Add(message.Id);
            }
        }

        var pages = await WalkForwardAsync(q => Store.ListMessagesAsync(app.Id, new MessageFilter { Channel = "even" }, q, withContent: false, None), 3, descending: true);

        AssertCoversEachOnceInOrder(pages, m => m.Id, Sorted(matching, descending: true));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListMessagesAsync_PrevIterator_ReturnsPreviousPage(bool descending)
    {
        var app = await AddApplicationAsync();
        await AddMessagesAsync(app, await AddEndpointAsync(app), 12);
        async Task<Page<Message>> ListAsync(string? iterator) =>
            await Store.ListMessagesAsync(app.Id, new MessageFilter(), new ListQuery { Limit = 5, Descending = descending, Iterator = iterator }, withContent: false, None);
        var page1 = await ListAsync(null);
        var page2 = await ListAsync(page1.Iterator);
        var page3 = await ListAsync(page2.Iterator);

        var back2 = await ListAsync(page3.PrevIterator);
        var back1 = await ListAsync(back2.PrevIterator);

        Assert.Equal(page2.Data.Select(m => m.Id), back2.Data.Select(m => m.Id));
        Assert.Equal(page1.Data.Select(m => m.Id), back1.Data.Select(m => m.Id));
        Assert.False(back2.Done);
        // A page reached going back continues forward as the original did.
        Assert.Equal(page3.Data.Select(m => m.Id), (await ListAsync(back2.Iterator)).Data.Select(m => m.Id));
        Assert.Equal(page2.Data.Select(m => m.Id), (await ListAsync(back1.Iterator)).Data.Select(m => m.Id));
        Assert.Equal(2, page3.Data.Count);
        Assert.True(page3.Done);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListMessagesAsync_WalkBackFromLastPage_CoversEveryEarlierMessageOnceInOrder(bool descending)
    {
        var app = await AddApplicationAsync();
        var messages = await AddMessagesAsync(app, await AddEndpointAsync(app), 17);
        Task<Page<Message>> ListAsync(string? iterator) =>
            Store.ListMessagesAsync(app.Id, new MessageFilter(), new ListQuery { Limit = 4, Descending = descending, Iterator = iterator }, withContent: false, None);
        var forward = await WalkForwardAsync(q => Store.ListMessagesAsync(app.Id, new MessageFilter(), q, withContent: false, None), 4, descending);

        var backward = new List<Page<Message>>();
        var page = forward[^1];
        while (true)
        {
            page = await ListAsync(page.PrevIterator);
            if (page.Data.Count == 0)
            {
                break;
            }
            Assert.True(page.Data.Count <= 4);
            Assert.True(backward.Count < 10, "prevIterator never reaches the start");
            backward.Add(page);
        }

        // Going back from the last page yields the same pages as going forward, in reverse.
        var expected = Sorted(messages.Select(m => m.Id), descending).SkipLast(forward[^1].Data.Count);
        backward.Reverse();
        Assert.Equal(expected, backward.SelectMany(p => p.Data).Select(m => m.Id));
        Assert.Equal(forward[..^1].Select(p => string.Join(",", p.Data.Select(m => m.Id))), backward.Select(p => string.Join(",", p.Data.Select(m => m.Id))));
    }

    [Fact]
    public async Task ListMessagesAsync_Empty_DoneWithNoData()
    {
        var app = await AddApplicationAsync();

        var page = await Store.ListMessagesAsync(app.Id, new MessageFilter(), new ListQuery { Descending = true }, withContent: false, None);

        Assert.Empty(page.Data);
        Assert.True(page.Done);
    }

    [Fact]
    public async Task ListMessagesAsync_IteratorPastTheEnd_DoneWithNoData()
    {
        var app = await AddApplicationAsync();
        var messages = await AddMessagesAsync(app, await AddEndpointAsync(app), 3);

        var page = await Store.ListMessagesAsync(app.Id, new MessageFilter(), new ListQuery { Iterator = messages[^1].Id }, withContent: false, None);

        Assert.Empty(page.Data);
        Assert.True(page.Done);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListApplicationsAsync_WalkForward_CoversEveryApplicationOnceInOrder(bool descending)
    {
        var ids = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            ids.Add((await AddApplicationAsync(at: Start.AddSeconds(-i))).Id);
        }
        await AddApplicationAsync(kind: ApplicationKind.Source);

        var pages = await WalkForwardAsync(q => Store.ListApplicationsAsync(q, null, None), 4, descending);

        AssertCoversEachOnceInOrder(pages, a => a.Id, Sorted(ids, descending));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListEndpointsAsync_WalkForward_CoversEveryEndpointOnceInOrder(bool descending)
    {
        var app = await AddApplicationAsync();
        var ids = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var endpoint = NewEndpoint(app, at: Start.AddSeconds(i % 3));
            await Store.CreateEndpointAsync(endpoint, None);
            ids.Add(endpoint.Id);
        }

        var pages = await WalkForwardAsync(q => Store.ListEndpointsAsync(app.Id, q, None), 2, descending);

        AssertCoversEachOnceInOrder(pages, e => e.Id, Sorted(ids, descending));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListEventTypesAsync_WalkForward_CoversEveryEventTypeOnceInOrder(bool descending)
    {
        string[] names = ["user.created", "user.deleted", "invoice.paid", "invoice.voided", "a", "b.c", "Zeta", "zeta"];
        foreach (var name in names)
        {
            await Store.CreateEventTypeAsync(NewEventType(name), None);
        }

        var pages = await WalkForwardAsync(q => Store.ListEventTypesAsync(q, includeArchived: false, None), 3, descending);

        AssertCoversEachOnceInOrder(pages, e => e.Name, Sorted(names, descending));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListAttemptsByEndpointAsync_WalkForward_CoversEveryAttemptOnceInOrder(bool descending)
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 10);
        var claimed = await ClaimAsync(Start, perEndpoint: 100);
        var completions = claimed.Select((c, i) => Retry(c, Start.AddMilliseconds(i % 4), Start.AddHours(1))).ToArray();
        await Store.CompleteAsync(completions, None);

        var pages = await WalkForwardAsync(q => Store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, new AttemptFilter(), q, None), 3, descending);

        AssertCoversEachOnceInOrder(pages, a => a.Id, Sorted(completions.Select(c => c.Attempt.Id), descending));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListEndpointMessagesAsync_WalkForward_CoversEveryMessageOnceInOrder(bool descending)
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        var messages = await AddMessagesAsync(app, endpoint, 10);
        await AddMessagesAsync(app, other, 4);

        var pages = await WalkForwardAsync(q => Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter(), q, withContent: false, None), 4, descending);

        AssertCoversEachOnceInOrder(pages, x => x.Message.Id, Sorted(messages.Select(m => m.Id), descending));
        Assert.All(pages.SelectMany(p => p.Data), x => Assert.Equal(endpoint.Id, x.Delivery.EndpointId));
    }

    [Fact]
    public async Task ListEndpointMessagesAsync_StatusFilter_MatchesDeliveryStatus()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var messages = await AddMessagesAsync(app, endpoint, 3);
        var claimed = (await ClaimAsync(Start)).OrderBy(c => c.Message.Id, StringComparer.Ordinal).ToList();
        await Store.CompleteAsync([Succeeded(claimed[0], Start), Failed(claimed[1], Start)], None);

        async Task<IEnumerable<string>> ListAsync(MessageStatus status) =>
            (await Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter { Status = status }, new ListQuery(), withContent: true, None)).Data.Select(x => x.Message.Id);

        Assert.Equal([messages[0].Id], await ListAsync(MessageStatus.Success));
        Assert.Equal([messages[1].Id], await ListAsync(MessageStatus.Fail));
        Assert.Equal([messages[2].Id], await ListAsync(MessageStatus.Sending));
        Assert.Empty(await ListAsync(MessageStatus.Pending));
    }

    [Fact]
    public async Task ListEndpointMessagesAsync_ContentAndFilters()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var eu = await AddMessageAsync(app, endpoint, at: Start, eventType: "user.created", channels: ["eu_1"]);
        await AddMessageAsync(app, endpoint, at: Start.AddSeconds(1), eventType: "user.deleted", channels: ["euX1"]);

        var page = await Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter { Channel = "eu_1", EventTypes = ["user.created"], Before = Start.AddSeconds(1) }, new ListQuery(), withContent: true, None);
        var withoutContent = await Store.ListEndpointMessagesAsync(app.Id, endpoint.Id, new MessageFilter(), new ListQuery(), withContent: false, None);

        var (message, delivery) = Assert.Single(page.Data);
        Assert.Equal(eu.Id, message.Id);
        Assert.Equal(eu.Payload, message.Payload);
        Assert.Equal(MessageStatus.Pending, delivery.Status);
        Assert.All(withoutContent.Data, x => Assert.Null(x.Message.Payload));
    }

    [Fact]
    public async Task ListMessageDestinationsAsync_WalkForward_OrderedByEndpointId()
    {
        var app = await AddApplicationAsync();
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < 7; i++)
        {
            var endpoint = NewEndpoint(app, at: Start.AddSeconds(7 - i));
            await Store.CreateEndpointAsync(endpoint, None);
            endpoints.Add(endpoint);
        }
        var message = await AddMessageAsync(app, endpoints);

        var pages = await WalkForwardAsync(q => Store.ListMessageDestinationsAsync(app.Id, message.Id, q, None), 3, descending: false);

        AssertCoversEachOnceInOrder(pages, x => x.Endpoint.Id, Sorted(endpoints.Select(e => e.Id), descending: false));
        Assert.All(pages.SelectMany(p => p.Data), x => Assert.Equal(message.Id, x.Delivery.MessageId));
    }
}
