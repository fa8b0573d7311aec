using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// For tests of what only a multi-node store has to get right: a schema of the test's own, several
/// store instances over it (each with its own connection pool, as separate nodes have), and small
/// builders for the rows the tests need.
/// </summary>
public abstract class PostgresTestBase : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    protected static readonly TimeSpan LongLease = TimeSpan.FromHours(1);

    private readonly List<PostgresHooklineStore> _nodes = [];

    internal PostgresTestDatabase Database { get; } = new();

    /// <summary>The first node, for setting up data.</summary>
    protected PostgresHooklineStore Store { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        await Database.EnsureCreatedAsync();
        Store = await NodeAsync("a");
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        await Database.DisposeAsync();
    }

    /// <summary>Another store instance over the test's schema, migrated: one more node.</summary>
    protected async Task<PostgresHooklineStore> NodeAsync(string name, bool migrate = true)
    {
        var store = new PostgresHooklineStore(Database.ConnectionStringFor(name), TimeProvider.System);
        _nodes.Add(store);
        if (migrate)
        {
            await store.MigrateAsync(CancellationToken.None);
        }
        return store;
    }

    protected async Task<Application> AddApplicationAsync(int? throttleRate = null)
    {
        var app = new Application
        {
            Id = HooklineIds.New(HooklineIds.Application, Start),
            Name = "app",
            ThrottleRate = throttleRate,
            CreatedAt = Start,
            UpdatedAt = Start,
        };
        await Store.CreateApplicationAsync(app, CancellationToken.None);
        return app;
    }

    protected async Task<Endpoint> AddEndpointAsync(Application app, bool ordered = false, int? maxConcurrency = null, int? throttleRate = null)
    {
        var endpoint = new Endpoint
        {
            Id = HooklineIds.New(HooklineIds.Endpoint, Start),
            AppId = app.Id,
            Url = "https://receiver.example/hooks",
            Ordered = ordered,
            MaxConcurrency = maxConcurrency,
            ThrottleRate = throttleRate,
            Secrets = [new EndpointSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)],
            CreatedAt = Start,
            UpdatedAt = Start,
        };
        await Store.CreateEndpointAsync(endpoint, CancellationToken.None);
        return endpoint;
    }

    /// <summary>Inserts <paramref name="count"/> messages, each with a delivery to every endpoint, in creation order.</summary>
    protected async Task<List<Message>> AddMessagesAsync(Application app, IReadOnlyList<Endpoint> endpoints, int count)
    {
        var messages = Enumerable.Range(0, count).Select(i =>
        {
            var at = Start.AddMilliseconds(i);
            return new Message
            {
                Id = HooklineIds.New(HooklineIds.Message, at),
                AppId = app.Id,
                EventType = "user.created",
                Payload = "{}"u8.ToArray(),
                CreatedAt = at,
            };
        }).ToList();
        // One message per transaction, so delivery ids follow message order as they do under the API.
        foreach (var message in messages)
        {
            await Store.InsertMessagesAsync([new NewMessage(message, endpoints.Select(e => e.Id).ToArray())], CancellationToken.None);
        }
        return messages;
    }

    protected static DeliveryCompletion Succeeded(ClaimedDelivery claimed, DateTimeOffset at) => new()
    {
        DeliveryId = claimed.DeliveryId,
        LeaseToken = claimed.LeaseToken,
        Outcome = DeliveryOutcome.Succeeded,
        DisableAfter = TimeSpan.FromDays(5),
        Attempt = new MessageAttempt
        {
            Id = HooklineIds.New(HooklineIds.Attempt, at),
            MessageId = claimed.Message.Id,
            EndpointId = claimed.Endpoint.Id,
            AppId = claimed.Message.AppId,
            Url = claimed.Endpoint.Url,
            Status = MessageStatus.Success,
            ResponseStatusCode = 200,
            Timestamp = at,
        },
    };
}
