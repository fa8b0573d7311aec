using System.Globalization;
using Hookline.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Hookline.Server.Tests.MultiNode;

/// <summary>
/// An endpoint's <c>throttleRate</c> is a promise to its receiver, so it holds for all nodes
/// together: two nodes both sending to one throttled endpoint never exceed its rate between them,
/// including while one takes the endpoint over from the other.
/// </summary>
[Collection(MultiNodeTests.Name)]
public sealed class GlobalThrottleTests(ITestOutputHelper output)
{
    private const int Rate = 10;
    private const int Messages = 110;
    private static readonly TimeSpan StallFor = TimeSpan.FromSeconds(3);

    [PostgresFact]
    public async Task ThrottledEndpoint_TwoNodesEachStallingInTurn_NeverMoreThanTheRate()
    {
        // Only an endpoint's owner sends to it; a stalled owner's endpoint is taken over once its lease
        // runs out. A lease shorter than the stall, so that each stall hands the endpoint to the other
        // node (and the test sees both nodes send, and the rate hold across the takeover).
        await using var cluster = await PostgresCluster.StartAsync(2, new Dictionary<string, string>
        {
            ["Hookline:Delivery:LeaseDuration"] = "1500ms",
            ["Hookline:Delivery:Timeout"] = "1s",
        });
        await using var receiver = await NodeReceiver.StartAsync(cluster);
        var appId = await cluster.CreateAppWithEndpointAsync(receiver.Url, throttleRate: Rate);
        // Cold nodes first send in bursts (JIT, new connections: sends due 100 ms apart were seen
        // leaving together in a node's first second); that is a start-up effect of one process, not
        // what this test is about.
        await cluster.WarmUpAsync(receiver);
        // The receiver runs in this test process, which a loaded machine also stalls: requests that
        // waited in the kernel while it was frozen get stamped together when it thaws. Those stalls
        // are watched so the receiver-side count can set aside what they bunched; the send times
        // the nodes recorded are checked without any exception.
        await using var stalls = StallWatch.Start();

        // The whole backlog at once, through both nodes: far more than the rate allows, so both
        // nodes have work due all the time and only the shared throttle holds them back.
        await using (var load = RoundRobinLoad.Start(cluster, [appId], workers: 8, ratePerSecond: 1000))
        {
            await Eventually.HoldsAsync(() => load.Accepted.Count >= Messages, TimeSpan.FromSeconds(30), () => $"accepted {load.Accepted.Count}");
            await load.StopAsync();
            Assert.Empty(load.Failures);

            // Each node in turn stalls (SIGSTOP: a GC pause, a starved or paused VM) with slots booked
            // ahead, then wakes up long after them. The other node must carry on at the rate, and the
            // sleeper must not fire its overdue slots together when it wakes.
            foreach (var (sleeper, after) in new[] { (0, 20), (1, 50) })
            {
                await Eventually.HoldsAsync(() => receiver.Arrivals.Count >= after, TimeSpan.FromSeconds(30), () => $"{receiver.Arrivals.Count} arrivals");
                Signal(cluster[sleeper].ProcessId, "STOP");
                try
                {
                    await Task.Delay(StallFor);
                }
                finally
                {
                    Signal(cluster[sleeper].ProcessId, "CONT");
                }
                output.WriteLine($"node {sleeper} was stopped for {StallFor.TotalSeconds:F0} s after {after} arrivals");
            }

            await Eventually.HoldsAsync(
                () => load.Accepted.Keys.All(receiver.ReceivedIds().Contains),
                TimeSpan.FromSeconds(60),
                () => $"{receiver.ReceivedIds().Count} of {load.Accepted.Count} delivered\n{cluster.Output()}");
        }

        await receiver.SettleAsync();
        // Counted in any one-second window (sliding, not aligned to whole seconds, which is the
        // stricter reading).
        await stalls.DisposeAsync();
        // The send times the nodes recorded (attempt start, node clocks): what Hookline scheduled,
        // before the network and the receiver process had their say.
        // An attempt is recorded after its response came back: wait until every arrival has one.
        IReadOnlyList<(string MessageId, DateTimeOffset At)> attempts = [];
        await Eventually.HoldsAsync(async () =>
        {
            attempts = await cluster.AttemptTimesAsync(appId);
            return attempts.Count >= receiver.Arrivals.Count;
        }, TimeSpan.FromSeconds(30), () => $"{attempts.Count} attempts recorded for {receiver.Arrivals.Count} arrivals");
        var sent = attempts.Select(a => a.At).ToList();
        var (busiestSent, _) = ThrottleWindows.Busiest(sent);
        // At the receiver, set aside what a stall of this process bunched, and requests held up on
        // the way (a node stopped between the slot check and the send, the loopback): they left on
        // their slots but arrive late together, which is not the throttle's doing. Held up means
        // longer than half a slot: requests that left a slot apart and each spent less than that in
        // transit still arrive apart, so a second of arrivals holds no more than a second of sends.
        var transit = ThrottleWindows.InTransit(attempts);
        TimeSpan InTransit(Arrival a) => transit(a.MessageId, a.At);
        var all = receiver.Arrivals.OrderBy(a => a.At).ToList();
        var arrivals = all.Where(a => !stalls.Bunched(a.At) && InTransit(a) < TimeSpan.FromSeconds(0.5 / Rate)).ToList();
        var times = arrivals.ConvertAll(a => a.At);
        var (busiest, busiestStart) = ThrottleWindows.Busiest(times);
        output.WriteLine($"receiver stalls over {StallWatch.Threshold.TotalMilliseconds:F0} ms: {stalls.Count}; {all.Count - arrivals.Count} arrivals set aside as bunched by a stall or held up on the way");
        // The average over every arrival: what was set aside still arrived.
        var span = (all[^1].At - all[0].At).TotalSeconds;
        var average = (all.Count - 1) / span;
        var byNode = receiver.CountByNode();
        output.WriteLine($"{all.Count} requests in {span:F1} s: {average:F2}/s on average, at most {busiest} in any 1 s window at the receiver, {busiestSent} by the attempts' start times; by node {string.Join(", ", byNode.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}"))}");
        output.WriteLine("the busiest second at the receiver (ms after the first request, node): " + string.Join(", ",
            arrivals.Skip(busiestStart).Take(busiest).Select(a => string.Create(CultureInfo.InvariantCulture, $"{(a.At - times[0]).TotalMilliseconds:F0} n{a.Node}"))));
        if (busiest > (Rate * 1.1) + 1)
        {
            output.WriteLine("all (ms, node): " + string.Join(", ", arrivals.Select(a => string.Create(CultureInfo.InvariantCulture, $"{(a.At - times[0]).TotalMilliseconds:F0} n{a.Node}"))));
            output.WriteLine("sent (ms): " + string.Join(", ", sent.Select(t => string.Create(CultureInfo.InvariantCulture, $"{(t - times[0]).TotalMilliseconds:F0}"))));
            output.WriteLine("in transit (ms): " + string.Join(", ", all.Select(a => string.Create(CultureInfo.InvariantCulture, $"{InTransit(a).TotalMilliseconds:F0}"))));
        }

        // Tolerance: 10 % + 1 for requests on a window's edges (a send a few ms late meets the next on time).
        Assert.True(busiestSent <= (Rate * 1.1) + 1, $"{busiestSent} attempts started within one second; the endpoint's rate is {Rate}/s");
        // At the receiver, over what was not set aside (on a loaded machine that may be a small
        // part; a subset never holds more per second than the whole, so the check stays sound).
        Assert.True(busiest <= (Rate * 1.1) + 1, $"{busiest} requests within one second at the receiver ({all.Count - arrivals.Count} of {all.Count} set aside); the endpoint's rate is {Rate}/s");
        // The rate is used, not just respected: the throttle does not stall the nodes.
        Assert.True(average >= 0.7 * Rate, $"only {average:F2}/s on average against a rate of {Rate}/s");
        // Both nodes really sent (each while the other was stopped), so the limit held between them, not just within one.
        Assert.All(new[] { "0", "1" }, node => Assert.True(byNode.GetValueOrDefault(node) >= Messages / 10,
            $"node {node} sent {byNode.GetValueOrDefault(node)} of {Messages}; by node: {string.Join(", ", byNode.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}: {kv.Value}")))}"));
    }

    private static void Signal(int processId, string signal) =>
        Assert.True(Posix.Kill(processId, signal == "STOP" ? Posix.SigStop : Posix.SigCont) == 0, $"kill -{signal} {processId} failed");
}

/// <summary>kill(2) from libc: stopping and continuing a process has no .NET API.</summary>
internal static partial class Posix
{
    public const int SigCont = 18;
    public const int SigStop = 19;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
