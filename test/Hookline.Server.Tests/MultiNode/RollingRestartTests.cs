using Hookline.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Hookline.Server.Tests.MultiNode;

/// <summary>
/// A rolling restart (an upgrade, a configuration change): each node in turn is stopped gracefully
/// (SIGTERM) and started again while messages keep coming. Nothing accepted is lost, the API never
/// answers a 5xx, and the only failed calls are those addressed to the node that is restarting.
/// </summary>
[Collection(MultiNodeTests.Name)]
public sealed class RollingRestartTests(ITestOutputHelper output)
{
    [PostgresFact]
    public async Task RestartEachNodeInTurn_UnderLoad_NothingLostAndNoServerErrors()
    {
        // Leases longer than the test: no node dies here, so a duplicate could only come from a
        // graceful stop that did not record what it sent — or from a live node starved of CPU past a
        // short lease, which is not what this test is about (NodeKillTests covers lease expiry).
        await using var cluster = await PostgresCluster.StartAsync(2, new Dictionary<string, string> { ["Hookline:Delivery:LeaseDuration"] = "60s" });
        await using var receiver = await NodeReceiver.StartAsync(cluster, maxDelayMs: 5);
        var apps = await cluster.CreateAppsAsync(2, receiver.Url);
        // No balancer health check here: calls keep going to the restarting node and are refused
        // while it is down, which is what the test allows and counts.
        await using var load = RoundRobinLoad.Start(cluster, apps, workers: 32, ratePerSecond: 50);
        await Eventually.HoldsAsync(() => load.Accepted.Count >= 100, TimeSpan.FromSeconds(30), () => $"accepted {load.Accepted.Count}\n{cluster.Output()}");

        var windows = new List<(int Node, DateTimeOffset From, DateTimeOffset To, int OldPid, int NewPid)>();
        for (var node = 0; node < cluster.Count; node++)
        {
            var oldPid = cluster[node].ProcessId;
            var from = DateTimeOffset.UtcNow;
            await cluster.StopAsync(node);
            var stopped = DateTimeOffset.UtcNow;
            Assert.True(cluster[node].ExitCode == 0, $"node {node} did not stop cleanly on SIGTERM (exit code {cluster[node].ExitCode})\n{cluster[node].Output}");
            var restarted = await cluster.StartNodeAsync(node);
            windows.Add((node, from, DateTimeOffset.UtcNow, oldPid, restarted.ProcessId));
            output.WriteLine($"node {node}: stopped in {(stopped - from).TotalSeconds:F1} s, started in {(DateTimeOffset.UtcNow - stopped).TotalSeconds:F1} s");
            // Let the restarted node take its share before the next one goes.
            var acceptedBefore = load.Accepted.Values.Count(a => a.Node == node);
            await Eventually.HoldsAsync(() => load.Accepted.Values.Count(a => a.Node == node) >= acceptedBefore + 30, TimeSpan.FromSeconds(20),
                () => $"the restarted node {node} accepted nothing\n{cluster.Output()}");
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();

        await receiver.WaitForEveryAcceptedAsync(load, cluster);
        var duplicates = receiver.Duplicates();
        var failures = load.Failures.ToList();
        output.WriteLine($"accepted {load.Accepted.Count}; deliveries by node {string.Join(", ", receiver.CountByNode().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}"))}; duplicates {duplicates.Count}");
        foreach (var w in windows)
        {
            output.WriteLine($"node {w.Node}: down and up again in {(w.To - w.From).TotalSeconds:F1} s; failed calls to it meanwhile: " +
                string.Join(", ", failures.Where(f => f.Node == w.Node).GroupBy(f => f.Kind).Select(g => $"{g.Key} {g.Count()}")));
        }

        foreach (var (id, copies) in duplicates)
        {
            output.WriteLine($"duplicate {id}: " + string.Join(" → ", copies.Select(a => $"node {a.Node?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} (pid {a.ProcessId}) at {a.At:HH:mm:ss.fff}")));
        }
        foreach (var w in windows)
        {
            output.WriteLine($"node {w.Node}: pid {w.OldPid} stopped from {w.From:HH:mm:ss.fff}, pid {w.NewPid} healthy at {w.To:HH:mm:ss.fff}");
        }

        Assert.DoesNotContain(failures, f => f.Kind is SendFailureKind.ServerError or SendFailureKind.OtherStatus);
        // A failed call is one to the node that was restarting at that moment: refused while nothing
        // listened, or cut off as it stopped (a client sees that as a transport error, never a 5xx).
        Assert.All(failures, f => Assert.Contains(windows, w => w.Node == f.Node && f.At >= w.From && f.At <= w.To + TimeSpan.FromSeconds(1)));
        // A graceful stop finishes and records the attempts in flight, so nothing is sent twice.
        Assert.Empty(duplicates);
        // Each restarted process delivered as well (deliveries flow from every node).
        Assert.All(windows, w => Assert.Contains(receiver.Arrivals, a => a.ProcessId == w.NewPid));
    }
}
