using System.Collections.Concurrent;
using System.Diagnostics;
using Hookline.Core.Delivery;
using Hookline.Core.Ids;
using Hookline.Core.Messages;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Signatures.StandardWebhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// Two delivery engines in one process, composed as the server composes them (PostgreSQL store with
/// its notifier, message writer, dispatcher, SSRF-safe client), sharing one schema and sending to a
/// real receiver: what one node accepts, the nodes deliver together under one set of limits.
/// </summary>
public sealed class TwoNodeEngineTests : IAsyncLifetime
{
    private readonly PostgresTestDatabase _database = new();
    private readonly List<(ServiceProvider Services, List<IHostedService> Hosted)> _nodes = [];

    public async Task InitializeAsync() => await _database.EnsureCreatedAsync();

    public async Task DisposeAsync()
    {
        foreach (var (services, hosted) in _nodes)
        {
            for (var i = hosted.Count - 1; i >= 0; i--)
            {
                await hosted[i].StopAsync(CancellationToken.None);
            }
            await services.DisposeAsync();
        }
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task MessageAcceptedOnANodeWithoutDispatcher_IsDeliveredByTheOtherNodeAtOnce()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var intake = await StartNodeAsync("a", dispatcher: false);
        await StartNodeAsync("b", dispatcher: true);
        var (app, _) = await CreateEndpointAsync(intake, receiver.Url("/hooks"));

        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            // After a delivery node b's dispatcher sleeps for its one-second poll; only the NOTIFY
            // from node a can wake it sooner.
            await Task.Delay(300);
            var sent = Stopwatch.StartNew();
            await Messages(intake).CreateAsync(app, Draft(), CancellationToken.None);
            await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == i + 1, TimeSpan.FromSeconds(10), $"message {i + 1}");
            latencies.Add(sent.Elapsed);
        }

        var median = latencies.Order().ElementAt(latencies.Count / 2);
        Assert.True(median < TimeSpan.FromMilliseconds(400),
            $"median delivery latency {median.TotalMilliseconds:F0} ms (all: {string.Join(", ", latencies.Select(l => l.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms) looks like polling, not LISTEN/NOTIFY");
    }

    [Fact]
    public async Task TwoNodes_DeliverEveryMessageOnce_WithinTheEndpointsConcurrencyLimit()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var a = await StartNodeAsync("a", dispatcher: true);
        var b = await StartNodeAsync("b", dispatcher: true);
        var inFlight = 0;
        var maxInFlight = 0;
        receiver.On("/hooks", async (_, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (receiver)
            {
                maxInFlight = Math.Max(maxInFlight, now);
            }
            await Task.Delay(Random.Shared.Next(5, 25));
            Interlocked.Decrement(ref inFlight);
        });
        var (app, _) = await CreateEndpointAsync(a, receiver.Url("/hooks"), maxConcurrency: 3);

        const int Count = 150;
        await Task.WhenAll(Enumerable.Range(0, Count).Select(i => Messages(i % 2 == 0 ? a : b).CreateAsync(app, Draft(), CancellationToken.None)));
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() >= Count, TimeSpan.FromSeconds(60), $"{Count} deliveries");
        await Task.Delay(200);

        var ids = receiver.At("/hooks").Select(r => r.Headers["webhook-id"]).ToList();
        Assert.Equal(Count, ids.Count);
        Assert.Equal(Count, ids.Distinct().Count());
        Assert.InRange(maxInFlight, 1, 3);
    }

    [Fact]
    public async Task MessagesAcceptedOnTheNodeThatDoesNotOwnTheEndpoint_AreOfferedToTheOwner_WhichSendsThemWithoutAClaim()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var a = await StartNodeAsync("a", dispatcher: true);
        var b = await StartNodeAsync("b", dispatcher: true);
        var (app, endpoint) = await CreateEndpointAsync(a, receiver.Url("/hooks"));
        // The first message goes in pending (nobody owns the endpoint yet); the node that claims it owns
        // the endpoint. An endpoint idle for a heartbeat (1 s) is given up, and a cold first send can
        // take that long: messages go until one arrives within 300 ms with its endpoint owned, so the
        // owner was active just now; the test goes on at once.
        ServiceProvider? intake = null;
        var sent = 0;
        while (intake is null)
        {
            Assert.True(++sent <= 20, "no delivery arrived within 300 ms with its endpoint owned");
            var started = Stopwatch.StartNew();
            await Messages(a).CreateAsync(app, Draft(), CancellationToken.None);
            await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == sent, TimeSpan.FromSeconds(10), $"delivery {sent}");
            if (started.Elapsed < TimeSpan.FromMilliseconds(300))
            {
                intake = await OtherNodeAsync(endpoint, a, b);
            }
        }

        // From here claims lease nothing: a pending row is never turned into a sending one.
        await _database.ScalarAsync(
            """
            CREATE FUNCTION no_claims() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
            CREATE TRIGGER no_claims BEFORE UPDATE ON deliveries FOR EACH ROW WHEN (OLD.status = 1 AND NEW.status = 3) EXECUTE FUNCTION no_claims();
            """);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Messages(intake).CreateAsync(app, Draft(), CancellationToken.None)));

        // Accepted on the node that does not own the endpoint, each was leased to the owner at its
        // insert and the owner was told which rows: all arrive, once each.
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() >= sent + 20, TimeSpan.FromSeconds(15),
            () => $"the 20 offered deliveries ({receiver.At("/hooks").Count() - sent} arrived; rows by status and token: " +
                  _database.ScalarAsync("SELECT string_agg(x, ', ') FROM (SELECT status || '/' || COALESCE(left(lease_token, 2), '-') || ': ' || count(*) AS x FROM deliveries GROUP BY status, left(lease_token, 2)) s").GetAwaiter().GetResult() +
                  $"; owner {_database.ScalarAsync($"SELECT node_id FROM endpoint_owners WHERE endpoint_id = '{endpoint.Id}'").GetAwaiter().GetResult() ?? "none"})");
        await Task.Delay(200);
        var ids = receiver.At("/hooks").Select(r => r.Headers["webhook-id"]).ToList();
        Assert.Equal(sent + 20, ids.Distinct().Count());
        Assert.Equal(sent + 20, ids.Count);
    }

    [Fact]
    public async Task OffersToANodeThatDoesNotListen_GoBackToPendingWithinSeconds_AndAreDelivered()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var intake = await StartNodeAsync("a", dispatcher: false);
        // Node b sends but never hears a notification (as behind a pooler in transaction mode).
        var deaf = await StartNodeAsync("b", dispatcher: true, listen: false);
        var (app, endpoint) = await CreateEndpointAsync(intake, receiver.Url("/hooks"));
        var deafId = deaf.GetRequiredService<DeliverySignal>().NodeId;
        // Messages until node b owns the endpoint right after a delivery (it finds pending work by its poll).
        var sent = 0;
        while (true)
        {
            Assert.True(++sent <= 20, "node b never owned the endpoint just after a delivery");
            await Messages(intake).CreateAsync(app, Draft(), CancellationToken.None);
            await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == sent, TimeSpan.FromSeconds(10), $"delivery {sent}");
            if ((string?)await _database.ScalarAsync($"SELECT node_id FROM endpoint_owners WHERE endpoint_id = '{endpoint.Id}'") == deafId)
            {
                break;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Messages(intake).CreateAsync(app, Draft(), CancellationToken.None)));
        var offered = Convert.ToInt64(await _database.ScalarAsync($"SELECT count(*) FROM deliveries WHERE lease_token = 'o:{deafId}'"), System.Globalization.CultureInfo.InvariantCulture);

        // Leased to node b for the test's five-minute lease, they would wait that long; node b returns
        // the offers it never heard of after two seconds, and claims them.
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() >= sent + 5, TimeSpan.FromSeconds(10), "the five offered deliveries");
        Assert.True(offered > 0, "no delivery was offered to node b (it gave the endpoint up first); the test proved nothing");
        await Task.Delay(200);
        Assert.Equal(sent + 5, receiver.At("/hooks").Select(r => r.Headers["webhook-id"]).Distinct().Count());
    }

    /// <summary>
    /// One node owns both endpoints, both kept busy, when a second node starts. The owner is then
    /// above its even share (one of two) and, once that held for two heartbeats, hands one endpoint
    /// over, what waited for it included; the new node takes it. No endpoint is ever idle long enough
    /// to be given up, and the five-minute leases never run out, so only the hand-over can split them.
    /// </summary>
    [Fact]
    public async Task ANodeThatJoins_IsHandedItsShareOfBusyEndpoints_AndEveryMessageArrivesOnce()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.On("/hooks", async (context, _) =>
        {
            await Task.Delay(Random.Shared.Next(2, 10));
            context.Response.StatusCode = 204;
        });
        var a = await StartNodeAsync("a", dispatcher: true);
        var first = await CreateEndpointAsync(a, receiver.Url("/hooks"));
        var second = await CreateEndpointAsync(a, receiver.Url("/hooks"));
        var aId = a.GetRequiredService<DeliverySignal>().NodeId;
        var sent = 0;
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.WhenAll(
                    Messages(a).CreateAsync(first.App, Draft(), CancellationToken.None),
                    Messages(a).CreateAsync(second.App, Draft(), CancellationToken.None));
                Interlocked.Add(ref sent, 2);
                await Task.Delay(10);
            }
        });
        try
        {
            await Eventually.HoldsAsync(async () => await OwnersAsync(first.Endpoint, second.Endpoint) == (aId, aId), TimeSpan.FromSeconds(20),
                "node a, alone, owning both endpoints");

            var b = await StartNodeAsync("b", dispatcher: true);
            var bId = b.GetRequiredService<DeliverySignal>().NodeId;
            await Eventually.HoldsAsync(async () => await OwnersAsync(first.Endpoint, second.Endpoint) is (var x, var y) && x != y && x is not null && y is not null,
                TimeSpan.FromSeconds(20), "one endpoint handed to node b while both were busy");
            var owners = await OwnersAsync(first.Endpoint, second.Endpoint);
            Assert.Contains(bId, new[] { owners.First, owners.Second });
            Assert.Contains(aId, new[] { owners.First, owners.Second });
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
        }

        var total = Volatile.Read(ref sent);
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() >= total, TimeSpan.FromSeconds(30), () => $"{total} deliveries ({receiver.At("/hooks").Count()} arrived)");
        await Task.Delay(200);
        var ids = receiver.At("/hooks").Select(r => r.Headers["webhook-id"]).ToList();
        Assert.Equal(total, ids.Distinct().Count());
        Assert.Equal(total, ids.Count);
    }

    /// <summary>The nodes that own the two endpoints now (null where none does).</summary>
    private async Task<(string? First, string? Second)> OwnersAsync(Endpoint first, Endpoint second) =>
        ((string?)await _database.ScalarAsync($"SELECT node_id FROM endpoint_owners WHERE endpoint_id = '{first.Id}'"),
         (string?)await _database.ScalarAsync($"SELECT node_id FROM endpoint_owners WHERE endpoint_id = '{second.Id}'"));

    /// <summary>The node that does not own <paramref name="endpoint"/> now, or null when neither does.</summary>
    private async Task<ServiceProvider?> OtherNodeAsync(Endpoint endpoint, ServiceProvider a, ServiceProvider b)
    {
        var owner = (string?)await _database.ScalarAsync($"SELECT node_id FROM endpoint_owners WHERE endpoint_id = '{endpoint.Id}'");
        return owner == a.GetRequiredService<DeliverySignal>().NodeId ? b
            : owner == b.GetRequiredService<DeliverySignal>().NodeId ? a
            : null;
    }

    /// <summary>
    /// One node, an endpoint with one slot whose receiver holds a request: the messages beyond the
    /// endpoint's room are offered to the node itself and taken as the slot frees, never claimed.
    /// </summary>
    [Fact]
    public async Task MessagesBeyondTheEndpointsRoom_AreOfferedToTheOwningNodeItself_WhichSendsThemWithoutAClaim()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = 0;
        receiver.On("/hooks", async (context, _) =>
        {
            if (Volatile.Read(ref hold) == 1)
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            context.Response.StatusCode = 204;
        });
        var a = await StartNodeAsync("a", dispatcher: true);
        var (app, _) = await CreateEndpointAsync(a, receiver.Url("/hooks"), maxConcurrency: 1);

        // Claims lease nothing but messages of event type "first", which make node a the endpoint's
        // owner; the others follow at once, before an idle endpoint would be given up (1 s).
        await _database.ScalarAsync(
            """
            CREATE FUNCTION no_claims() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT event_type FROM messages WHERE id = NEW.msg_id) = 'first' THEN RETURN NEW; END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER no_claims BEFORE UPDATE ON deliveries FOR EACH ROW WHEN (OLD.status = 1 AND NEW.status = 3) EXECUTE FUNCTION no_claims();
            """);
        // A cold first send can take longer than that: "first" messages go until one arrives within
        // 300 ms, so the endpoint was owned and active just now; the test goes on at once.
        var firsts = 0;
        while (true)
        {
            Assert.True(++firsts <= 20, "no first delivery arrived within 300 ms");
            var started = Stopwatch.StartNew();
            await Messages(a).CreateAsync(app, Draft() with { EventType = "first" }, CancellationToken.None);
            await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == firsts, TimeSpan.FromSeconds(10), $"first delivery {firsts}");
            if (started.Elapsed < TimeSpan.FromMilliseconds(300))
            {
                break;
            }
        }

        // The receiver holds the next request, so the one slot stays busy while 40 are accepted: far
        // more than the endpoint has room for.
        Volatile.Write(ref hold, 1);
        for (var i = 0; i < 40; i++)
        {
            await Messages(a).CreateAsync(app, Draft(), CancellationToken.None);
        }
        release.SetResult();

        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() >= firsts + 40, TimeSpan.FromSeconds(15),
            () => $"the 40 deliveries ({receiver.At("/hooks").Count() - firsts} arrived; rows by status and token: " +
                  _database.ScalarAsync("SELECT string_agg(x, ', ') FROM (SELECT status || '/' || COALESCE(left(lease_token, 2), '-') || ': ' || count(*) AS x FROM deliveries GROUP BY status, left(lease_token, 2)) s").GetAwaiter().GetResult() + ")");
        await Task.Delay(200);
        var ids = receiver.At("/hooks").Select(r => r.Headers["webhook-id"]).ToList();
        Assert.Equal(firsts + 40, ids.Distinct().Count());
        Assert.Equal(firsts + 40, ids.Count);
    }

    private async Task<ServiceProvider> StartNodeAsync(string name, bool dispatcher, bool listen = true)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddHooklinePostgresStore(o =>
        {
            o.ConnectionString = _database.ConnectionStringFor(name);
            o.NotificationChannel = "hookline_" + _database.Schema;
        });
        services.AddHooklineCore();
        services.Configure<DeliveryOptions>(o =>
        {
            o.AllowPrivateNetworks = true;
            o.Timeout = TimeSpan.FromSeconds(5);
            // Long leases: "exactly once" here checks that two claimers never share a delivery. A
            // lease that runs out on a starved CI machine would legitimately resend (at-least-once).
            o.LeaseDuration = TimeSpan.FromMinutes(5);
        });
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IHooklineStore>().MigrateAsync(CancellationToken.None);
        var hosted = provider.GetServices<IHostedService>()
            .Where(s => dispatcher || s.GetType().Name != "DeliveryDispatcher")
            .Where(s => listen || s.GetType().Name != "PostgresWorkNotifier")
            .ToList();
        _nodes.Add((provider, hosted));
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }
        return provider;
    }

    private static MessageService Messages(ServiceProvider node) => node.GetRequiredService<MessageService>();

    private static MessageDraft Draft() => new() { EventType = "user.created", Payload = """{"ok":true}"""u8.ToArray() };

    private static async Task<(Application App, Endpoint Endpoint)> CreateEndpointAsync(ServiceProvider node, string url, int? maxConcurrency = null)
    {
        var store = node.GetRequiredService<IHooklineStore>();
        var now = DateTimeOffset.UtcNow;
        var app = new Application { Id = HooklineIds.New(HooklineIds.Application, now), Name = "test", CreatedAt = now, UpdatedAt = now };
        await store.CreateApplicationAsync(app, CancellationToken.None);
        using var secret = StandardWebhookSecret.GenerateSymmetric();
        var endpoint = new Endpoint
        {
            Id = HooklineIds.New(HooklineIds.Endpoint, now),
            AppId = app.Id,
            Url = url,
            MaxConcurrency = maxConcurrency,
            Secrets = [new EndpointSecret(secret.Export(), null)],
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.CreateEndpointAsync(endpoint, CancellationToken.None);
        return (app, endpoint);
    }
}
