using System.Collections.Concurrent;
using Hookline.Testing;

namespace Hookline.Server.Tests.MultiNode;

/// <summary>One request the receiver saw: the message (<c>webhook-id</c>), when, and which node process sent it.</summary>
internal sealed record Arrival(string MessageId, DateTimeOffset At, int? ProcessId, int? Node);

/// <summary>
/// A real webhook receiver that also knows which node sent each request (see <see cref="SocketOwner"/>),
/// so tests can say who delivered what — and whose leases the duplicates came from.
/// </summary>
internal sealed class NodeReceiver : IAsyncDisposable
{
    public const string Path = "/hook";

    private readonly TestReceiver _receiver;
    private readonly PostgresCluster _cluster;
    private readonly ConcurrentDictionary<string, int?> _senderByConnection = new(StringComparer.Ordinal);

    private NodeReceiver(TestReceiver receiver, PostgresCluster cluster)
    {
        _receiver = receiver;
        _cluster = cluster;
    }

    public string Url => _receiver.Url(Path);

    public ConcurrentQueue<Arrival> Arrivals { get; } = new();

    /// <param name="maxDelayMs">Each request is answered after a random 0..n ms, which keeps deliveries in flight (leased) at any moment.</param>
    public static async Task<NodeReceiver> StartAsync(PostgresCluster cluster, int maxDelayMs = 0)
    {
        var receiver = new NodeReceiver(await TestReceiver.StartAsync(), cluster);
        receiver._receiver.On(Path, async (context, request) =>
        {
            // Connections are kept alive and reused, so the /proc lookup runs once per connection.
            var pid = receiver._senderByConnection.GetOrAdd(context.Connection.Id, _ =>
                SocketOwner.Find(context.Connection.RemotePort, context.Connection.LocalPort, cluster.ProcessIds()));
            request.Headers.TryGetValue("webhook-id", out var id);
            receiver.Arrivals.Enqueue(new Arrival(id ?? "", request.At, pid, pid is { } p ? cluster.NodeOfProcess(p) : null));
            if (maxDelayMs > 0)
            {
                await Task.Delay(Random.Shared.Next(0, maxDelayMs + 1));
            }
        });
        return receiver;
    }

    /// <summary>Distinct messages received.</summary>
    public HashSet<string> ReceivedIds() => Arrivals.Select(a => a.MessageId).ToHashSet(StringComparer.Ordinal);

    /// <summary>Messages received more than once, with every arrival of each.</summary>
    public Dictionary<string, List<Arrival>> Duplicates() =>
        Arrivals.GroupBy(a => a.MessageId, StringComparer.Ordinal).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.OrderBy(a => a.At).ToList(), StringComparer.Ordinal);

    /// <summary>Requests per sending node (null: the sender could not be identified).</summary>
    public Dictionary<string, int> CountByNode() =>
        Arrivals.GroupBy(a => a.Node?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>First arrivals per second within [from, to).</summary>
    public double DeliveredPerSecond(DateTimeOffset from, DateTimeOffset to)
    {
        var first = Arrivals.GroupBy(a => a.MessageId, StringComparer.Ordinal).Select(g => g.Min(a => a.At));
        return first.Count(at => at >= from && at < to) / (to - from).TotalSeconds;
    }

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();
}
