using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Builders for the objects the tests store, with defaults that keep each test to what it is about.</summary>
public abstract partial class StoreComplianceSuite
{
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>Endpoints made by <see cref="AddEndpointAsync"/>, in order: what <see cref="ClaimAsync"/> claims for.</summary>
    private readonly List<string> _endpointIds = [];
    protected static readonly TimeSpan DisableAfter = TimeSpan.FromDays(5);

    protected static Application NewApplication(string? uid = null, int? throttleRate = null, ApplicationKind kind = ApplicationKind.Normal, DateTimeOffset? at = null) => new()
    {
        Id = HooklineIds.New(HooklineIds.Application, at ?? Start),
        Uid = uid,
        Name = "App " + (uid ?? "unnamed"),
        ThrottleRate = throttleRate,
        Kind = kind,
        Metadata = new Dictionary<string, string> { ["team"] = "payments" },
        CreatedAt = at ?? Start,
        UpdatedAt = at ?? Start,
    };

    protected async Task<Application> AddApplicationAsync(string? uid = null, int? throttleRate = null, ApplicationKind kind = ApplicationKind.Normal, DateTimeOffset? at = null)
    {
        var app = NewApplication(uid, throttleRate, kind, at);
        await Store.CreateApplicationAsync(app, None);
        return app;
    }

    protected static Endpoint NewEndpoint(Application app, string? uid = null, bool ordered = false, int? maxConcurrency = null, int? throttleRate = null, bool disabled = false, DateTimeOffset? at = null) => new()
    {
        Id = HooklineIds.New(HooklineIds.Endpoint, at ?? Start),
        AppId = app.Id,
        Uid = uid,
        Url = "https://receiver.example/hooks/" + (uid ?? "x"),
        Description = "test endpoint",
        Ordered = ordered,
        MaxConcurrency = maxConcurrency,
        ThrottleRate = throttleRate,
        Disabled = disabled,
        Secrets = [new EndpointSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)],
        CreatedAt = at ?? Start,
        UpdatedAt = at ?? Start,
    };

    protected async Task<Endpoint> AddEndpointAsync(Application app, string? uid = null, bool ordered = false, int? maxConcurrency = null, int? throttleRate = null, bool disabled = false)
    {
        var endpoint = NewEndpoint(app, uid, ordered, maxConcurrency, throttleRate, disabled);
        await Store.CreateEndpointAsync(endpoint, None);
        _endpointIds.Add(endpoint.Id);
        return endpoint;
    }

    protected static Message NewMessage(Application app, DateTimeOffset? at = null, string eventType = "user.created", string? eventId = null, IReadOnlyList<string>? channels = null, DateTimeOffset? payloadExpiresAt = null)
    {
        var created = at ?? Start;
        var id = HooklineIds.New(HooklineIds.Message, created);
        return new Message
        {
            Id = id,
            AppId = app.Id,
            EventId = eventId,
            EventType = eventType,
            Payload = System.Text.Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","type":"{{eventType}}"}"""),
            Channels = channels,
            CreatedAt = created,
            PayloadExpiresAt = payloadExpiresAt,
        };
    }

    /// <summary>Inserts one message with a pending delivery to each endpoint.</summary>
    protected async Task<Message> AddMessageAsync(Application app, IEnumerable<Endpoint> endpoints, DateTimeOffset? at = null, string eventType = "user.created", string? eventId = null, IReadOnlyList<string>? channels = null, DateTimeOffset? payloadExpiresAt = null)
    {
        var message = NewMessage(app, at, eventType, eventId, channels, payloadExpiresAt);
        var results = await Store.InsertMessagesAsync([new NewMessage(message, endpoints.Select(e => e.Id).ToArray())], None);
        Assert.Equal(MessageInsertOutcome.Created, Assert.Single(results).Outcome);
        return message;
    }

    protected Task<Message> AddMessageAsync(Application app, Endpoint endpoint, DateTimeOffset? at = null, string eventType = "user.created", string? eventId = null, IReadOnlyList<string>? channels = null) =>
        AddMessageAsync(app, [endpoint], at, eventType, eventId, channels);

    /// <summary>
    /// Messages one millisecond apart, so their ids (and so their list order) follow creation order;
    /// by default from a minute before <see cref="Start"/>, so that all of them are due at <see cref="Start"/>.
    /// </summary>
    protected async Task<List<Message>> AddMessagesAsync(Application app, Endpoint endpoint, int count, DateTimeOffset? from = null)
    {
        var first = from ?? Start.AddMinutes(-1);
        var messages = Enumerable.Range(0, count).Select(i => NewMessage(app, first.AddMilliseconds(i))).ToList();
        var results = await Store.InsertMessagesAsync(messages.ConvertAll(m => new NewMessage(m, [endpoint.Id])), None);
        Assert.All(results, r => Assert.Equal(MessageInsertOutcome.Created, r.Outcome));
        return messages;
    }

    /// <summary>
    /// Claims as a node of the engine does: takes every endpoint with due work that no live node owns
    /// (taking over an expired owner's endpoints), then claims up to <paramref name="perEndpoint"/> due
    /// deliveries of each endpoint this test made (an even share of <paramref name="maxDeliveries"/>), at most
    /// <paramref name="maxDeliveries"/> in all.
    /// Ownership is never renewed here, so it runs out one lease after it was taken.
    /// </summary>
    protected async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(DateTimeOffset now, int maxDeliveries = 100, int perEndpoint = 10, string node = "node-a", TimeSpan? lease = null, IDeliveryStore? store = null)
    {
        store ??= Store;
        await store.AcquireEndpointsAsync(new OwnershipRequest { NodeId = node, Now = now, Lease = lease ?? Lease, MaxEndpoints = 10_000 }, None);
        var wants = new List<EndpointWant>();
        var room = maxDeliveries;
        var share = Math.Min(perEndpoint, Math.Max(1, maxDeliveries / Math.Max(1, _endpointIds.Count)));
        foreach (var id in _endpointIds)
        {
            var want = Math.Min(share, room);
            if (want > 0)
            {
                wants.Add(new EndpointWant(id, want));
                room -= want;
            }
        }
        return await store.ClaimOwnedAsync(new OwnedClaimRequest { NodeId = node, Now = now, LeaseDuration = lease ?? Lease, Wants = wants }, None);
    }

    protected static MessageAttempt NewAttempt(ClaimedDelivery claimed, DateTimeOffset at, int statusCode, string response = "ok", string? error = null) => new()
    {
        Id = HooklineIds.New(HooklineIds.Attempt, at),
        MessageId = claimed.Message.Id,
        EndpointId = claimed.Endpoint.Id,
        AppId = claimed.Message.AppId,
        Url = claimed.Endpoint.Url,
        Status = statusCode is >= 200 and < 300 ? MessageStatus.Success : MessageStatus.Fail,
        ResponseStatusCode = statusCode,
        Response = response,
        ResponseDurationMs = 42,
        Timestamp = at,
        TriggerType = claimed.Trigger,
        Error = error,
    };

    protected static DeliveryCompletion Succeeded(ClaimedDelivery claimed, DateTimeOffset at, int statusCode = 200) => new()
    {
        DeliveryId = claimed.DeliveryId,
        LeaseToken = claimed.LeaseToken,
        Attempt = NewAttempt(claimed, at, statusCode),
        Outcome = DeliveryOutcome.Succeeded,
        DisableAfter = DisableAfter,
    };

    protected static DeliveryCompletion Retry(ClaimedDelivery claimed, DateTimeOffset at, DateTimeOffset next, int statusCode = 500, TimeSpan? disableAfter = null) => new()
    {
        DeliveryId = claimed.DeliveryId,
        LeaseToken = claimed.LeaseToken,
        Attempt = NewAttempt(claimed, at, statusCode, response: "try later", error: statusCode == 0 ? "connection refused" : null),
        Outcome = DeliveryOutcome.Retry,
        NextAttemptAt = next,
        DisableAfter = disableAfter ?? DisableAfter,
    };

    protected static DeliveryCompletion Failed(ClaimedDelivery claimed, DateTimeOffset at, int statusCode = 500, TimeSpan? disableAfter = null, bool disableEndpoint = false) => new()
    {
        DeliveryId = claimed.DeliveryId,
        LeaseToken = claimed.LeaseToken,
        Attempt = NewAttempt(claimed, at, statusCode, response: "gone"),
        Outcome = DeliveryOutcome.Failed,
        DisableAfter = disableAfter ?? DisableAfter,
        DisableEndpoint = disableEndpoint,
    };

    /// <summary>The delivery of one message to one endpoint, read through the message destinations list.</summary>
    protected async Task<DeliveryRecord> GetDeliveryAsync(Message message, Endpoint endpoint)
    {
        var page = await Store.ListMessageDestinationsAsync(message.AppId, message.Id, new ListQuery { Limit = ListQuery.MaxLimit }, None);
        return Assert.Single(page.Data, d => d.Endpoint.Id == endpoint.Id).Delivery;
    }

    protected async Task<Endpoint> ReloadAsync(Endpoint endpoint) =>
        await Store.GetEndpointAsync(endpoint.AppId, endpoint.Id, None) ?? throw new InvalidOperationException($"Endpoint {endpoint.Id} is gone.");

    /// <summary>
    /// Walks a list forward with <see cref="Page{T}.Iterator"/> from the first page, checking every page
    /// on the way (limit kept, <c>done</c> only on the last page), and returns the pages.
    /// </summary>
    protected static async Task<List<Page<T>>> WalkForwardAsync<T>(Func<ListQuery, Task<Page<T>>> list, int limit, bool descending)
    {
        var pages = new List<Page<T>>();
        var query = new ListQuery { Limit = limit, Descending = descending };
        while (true)
        {
            var page = await list(query);
            pages.Add(page);
            Assert.True(page.Data.Count <= limit, $"page {pages.Count} has {page.Data.Count} items, over the limit of {limit}");
            if (page.Done)
            {
                return pages;
            }
            Assert.True(pages.Count <= 1000, "the iterator never reaches the end");
            Assert.Equal(limit, page.Data.Count);
            Assert.NotNull(page.Iterator);
            query = query with { Iterator = page.Iterator };
        }
    }
}
