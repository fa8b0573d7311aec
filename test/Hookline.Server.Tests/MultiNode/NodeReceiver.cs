using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Tests.MultiNode;

/// <summary>One request the receiver saw: the message (<c>webhook-id</c>), when, and which node process sent it.</summary>
internal sealed record Arrival(string Path, string MessageId, DateTimeOffset At, SenderLookup Sender)
{
    /// <summary>The sending process, or null when it could not be identified (yet).</summary>
    public int? ProcessId => Sender.ProcessId;

    /// <summary>The sending node (whichever incarnation), or null when unknown.</summary>
    public int? Node => Sender.Node;
}

/// <summary>Who holds the client end of one connection to the receiver; found in the background.</summary>
internal sealed class SenderLookup
{
    private int _processId;
    private int _node = -1;

    public int? ProcessId => Volatile.Read(ref _processId) is var p and > 0 ? p : null;

    public int? Node => Volatile.Read(ref _node) is var n and >= 0 ? n : null;

    public Task Done { get; private set; } = Task.CompletedTask;

    public static SenderLookup Start(int clientPort, int serverPort, PostgresCluster cluster)
    {
        var lookup = new SenderLookup();
        lookup.Done = Task.Run(async () =>
        {
            // A node that just started may not be registered yet; look again shortly.
            for (var i = 0; i < 20; i++)
            {
                if (SocketOwner.Find(clientPort, serverPort, cluster.ProcessIds()) is { } pid)
                {
                    Volatile.Write(ref lookup._node, cluster.NodeOfProcess(pid) ?? -1);
                    Volatile.Write(ref lookup._processId, pid);
                    return;
                }
                await Task.Delay(100);
            }
        });
        return lookup;
    }
}

/// <summary>
/// A real webhook receiver that also knows which node sent each request (see <see cref="SocketOwner"/>),
/// so tests can say who delivered what — and whose leases the duplicates came from. The lookup runs
/// in the background once per connection (connections are kept alive and reused), so it never holds
/// a request up or skews its arrival time. Requests to <see cref="Path"/> are the test's;
/// <see cref="WarmUpPath"/> takes traffic that only warms the nodes up.
/// </summary>
internal sealed class NodeReceiver : IAsyncDisposable
{
    public const string Path = "/hook";
    public const string WarmUpPath = "/warm";

    private readonly TestReceiver _receiver;
    private readonly ConcurrentDictionary<string, SenderLookup> _senders = new(StringComparer.Ordinal);

    private NodeReceiver(TestReceiver receiver)
    {
        _receiver = receiver;
    }

    public string Url => _receiver.Url(Path);

    public string WarmUpUrl => _receiver.Url(WarmUpPath);

    /// <summary>Requests to <see cref="Path"/>.</summary>
    public ConcurrentQueue<Arrival> Arrivals { get; } = new();

    /// <summary>Requests to <see cref="WarmUpPath"/>.</summary>
    public ConcurrentQueue<Arrival> WarmUpArrivals { get; } = new();

    /// <param name="maxDelayMs">Each request is answered after a random 0..n ms, which keeps deliveries in flight (leased) at any moment.</param>
    public static async Task<NodeReceiver> StartAsync(PostgresCluster cluster, int maxDelayMs = 0)
    {
        var receiver = new NodeReceiver(await TestReceiver.StartAsync());
        async Task Record(HttpContext context, ReceivedRequest request)
        {
            var connection = context.Connection;
            var sender = receiver._senders.GetOrAdd(connection.Id, _ => SenderLookup.Start(connection.RemotePort, connection.LocalPort, cluster));
            request.Headers.TryGetValue("webhook-id", out var id);
            (request.Path == Path ? receiver.Arrivals : receiver.WarmUpArrivals).Enqueue(new Arrival(request.Path, id ?? "", request.At, sender));
            if (maxDelayMs > 0)
            {
                await Task.Delay(Random.Shared.Next(0, maxDelayMs + 1));
            }
        }
        receiver._receiver.On(Path, Record);
        receiver._receiver.On(WarmUpPath, Record);
        return receiver;
    }

    /// <summary>Waits for the sender lookups started so far.</summary>
    public Task SettleAsync() => Task.WhenAll(_senders.Values.Select(s => s.Done));

    /// <summary>Waits (30 s at most) until every message the load had accepted arrived, then for the sender lookups.</summary>
    public async Task WaitForEveryAcceptedAsync(RoundRobinLoad load, PostgresCluster cluster)
    {
        await Eventually.HoldsAsync(
            () => load.Accepted.Keys.All(ReceivedIds().Contains),
            TimeSpan.FromSeconds(30),
            () => $"{load.Accepted.Keys.Except(ReceivedIds()).Count()} of {load.Accepted.Count} accepted messages never arrived\n{cluster.Output()}");
        await SettleAsync();
    }

    /// <summary>Distinct messages received.</summary>
    public HashSet<string> ReceivedIds() => Arrivals.Select(a => a.MessageId).ToHashSet(StringComparer.Ordinal);

    /// <summary>Messages received more than once, with every arrival of each.</summary>
    public Dictionary<string, List<Arrival>> Duplicates() =>
        Arrivals.GroupBy(a => a.MessageId, StringComparer.Ordinal).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.OrderBy(a => a.At).ToList(), StringComparer.Ordinal);

    /// <summary>Requests per sending node ("?": the sender could not be identified).</summary>
    public Dictionary<string, int> CountByNode() =>
        Arrivals.GroupBy(a => a.Node?.ToString(CultureInfo.InvariantCulture) ?? "?").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>First arrivals per second within [from, to).</summary>
    public double DeliveredPerSecond(DateTimeOffset from, DateTimeOffset to)
    {
        var first = Arrivals.GroupBy(a => a.MessageId, StringComparer.Ordinal).Select(g => g.Min(a => a.At));
        return first.Count(at => at >= from && at < to) / (to - from).TotalSeconds;
    }

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();
}
