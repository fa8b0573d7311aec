using System.Text;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>Throttle, concurrency, slow endpoints and ordering, measured at real receivers.</summary>
public sealed class EndpointIsolationTests
{
    [Fact]
    public async Task Throttle_RateOf20PerSecond_ReceiverNeverSeesMore()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        // Warm the path first (JIT, the first connection to the receiver): requests that queue behind
        // a cold connection leave on their slots but arrive together, which is not the throttle's doing.
        var warmApp = await engine.CreateApplicationAsync();
        await engine.CreateEndpointAsync(warmApp, receiver.Url("/warm"));
        await engine.SendAsync(warmApp, "a.b", "{}");
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1, TimeSpan.FromSeconds(15));
        receiver.Requests.Clear();
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/slowed"), e => e with { ThrottleRate = 20 });
        // The receiver runs in this process, which a loaded machine stalls: requests that waited in
        // the kernel meanwhile get stamped together when it thaws. Those are set aside below.
        await using var stalls = StallWatch.Start();

        for (var i = 0; i < 60; i++)
        {
            await engine.SendAsync(app, "a.b", "{}");
        }
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 60, TimeSpan.FromSeconds(15));
        await stalls.DisposeAsync();

        var arrivals = receiver.Requests.OrderBy(r => r.At).ToArray();
        var all = arrivals.Select(r => r.At).ToArray();
        var elapsed = (all[^1] - all[0]).TotalSeconds;
        // 60 requests at 20/s need about 59/20 = 2.95 s from first to last.
        Assert.True(elapsed >= 2.7, $"60 requests took {elapsed:F2}s; a 20/s throttle needs ~2.95s");

        // When each request left, from Hookline's attempt log. An attempt is recorded after its
        // response came back, so the last ones may land a moment after the receiver saw them.
        IReadOnlyList<MessageAttempt> attempts = [];
        await Eventually.HoldsAsync(async () =>
        {
            attempts = (await engine.Store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, new AttemptFilter(), new ListQuery { Limit = 100 }, CancellationToken.None)).Data;
            return attempts.Count >= arrivals.Length;
        }, TimeSpan.FromSeconds(10), "every attempt to be recorded");
        var sent = attempts.Select(a => a.Timestamp).Order().ToArray();
        var transit = ThrottleWindows.InTransit(attempts.Select(a => (a.MessageId, a.Timestamp)));
        TimeSpan InTransit(ReceivedRequest r) => transit(r.Headers["webhook-id"], r.At);
        var describe = $"arrivals (ms after the first): {string.Join(", ", all.Select(t => Ms(t - all[0])))}; " +
            $"in transit (ms): {string.Join(", ", arrivals.Select(r => Ms(InTransit(r))))}; {stalls.Count} stalls";

        // No one-second window holds more than the rate, with a 10 % tolerance: sends are booked
        // 50 ms apart, and one may leave up to 100 ms after its slot. Judged where the requests
        // leave — all of them except those stamped during or just after a stall of this process
        // (the engine runs here too, so a stall between the slot check and the time stamp bunches
        // stamps) — and again where they arrive, leaving out those a stall or the loopback held up
        // on the way (they left on their slots but arrive together, which is not the throttle's doing).
        // "Held up" means longer than half a slot (25 ms at 20/s): requests that left 50 ms apart and
        // each spent less than that in transit still arrive apart. A longer allowance is not sound:
        // with up to 100 ms in transit, a second of arrivals can hold 1.1 s of sends, and CI once saw
        // 23 that had each left on its slot (the sent check above passed in the same run).
        AssertNoSecondHoldsMoreThan(22, sent.Where(t => !stalls.Bunched(t)).ToArray(), "sent", describe);
        var judged = arrivals
            .Where(r => !stalls.Bunched(r.At) && InTransit(r) < TimeSpan.FromMilliseconds(25))
            .Select(r => r.At)
            .ToArray();
        // On a loaded machine few may be left; a subset never holds more per second than the whole,
        // so the check stays sound, only weaker.
        AssertNoSecondHoldsMoreThan(22, judged, $"received ({60 - judged.Length} of 60 set aside)", describe);

        static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AssertNoSecondHoldsMoreThan(int most, DateTimeOffset[] times, string what, string describe)
    {
        var (busiest, _) = ThrottleWindows.Busiest(times);
        Assert.True(busiest <= most, $"{busiest} requests {what} within one second; {describe}");
    }

    [Fact]
    public async Task Concurrency_LimitOf3_NeverMoreInFlight()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        var inFlight = 0;
        var peak = 0;
        receiver.On("/capped", async (ctx, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await Task.Delay(100);
            Interlocked.Decrement(ref inFlight);
        });
        await engine.CreateEndpointAsync(app, receiver.Url("/capped"), e => e with { MaxConcurrency = 3 });

        for (var i = 0; i < 30; i++)
        {
            await engine.SendAsync(app, "a.b", "{}");
        }
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 30, TimeSpan.FromSeconds(15));

        Assert.Equal(3, peak);
    }

    [Fact]
    public async Task HangingEndpoint_NextToHealthyOne_DoesNotSlowTheHealthyOne()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync(o => o.Timeout = TimeSpan.FromSeconds(30));
        var app = await engine.CreateApplicationAsync();
        using var release = new CancellationTokenSource();
        receiver.On("/hanging", async (ctx, _) => await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        await engine.CreateEndpointAsync(app, receiver.Url("/hanging"), e => e with { EventTypes = ["to.hanging"] });
        await engine.CreateEndpointAsync(app, receiver.Url("/healthy"), e => e with { EventTypes = ["to.healthy"] });
        try
        {
            // Baseline in the same run: the healthy endpoint alone.
            var alone = await TimeHealthyAsync(200);

            // Fill the hanging endpoint's queue first, so its backlog is older than the healthy work.
            for (var i = 0; i < 200; i++)
            {
                await engine.SendAsync(app, "to.hanging", "{}");
            }
            await Eventually.HoldsAsync(() => receiver.At("/hanging").Count() == 10, TimeSpan.FromSeconds(30), "the hanging endpoint's slots to fill");
            var beside = await TimeHealthyAsync(400);

            // The hanging endpoint holds only its own 10 slots; the healthy one is not held up by it.
            Assert.Equal(10, receiver.At("/hanging").Count());
            Assert.True(beside < alone * 3 + TimeSpan.FromSeconds(1),
                $"healthy endpoint took {beside.TotalSeconds:F2}s beside a hanging one, {alone.TotalSeconds:F2}s alone");
        }
        finally
        {
            await release.CancelAsync();
        }

        async Task<TimeSpan> TimeHealthyAsync(int expectedTotal)
        {
            var started = DateTimeOffset.UtcNow;
            for (var i = 0; i < 200; i++)
            {
                await engine.SendAsync(app, "to.healthy", "{}");
            }
            await Eventually.HoldsAsync(() => receiver.At("/healthy").Count() == expectedTotal, TimeSpan.FromSeconds(60), "the healthy endpoint's messages");
            return receiver.At("/healthy").Max(r => r.At) - started;
        }
    }

    [Fact]
    public async Task OrderedEndpoint_WithFailures_DeliversStrictlyInOrder()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync(o => o.RetrySchedule = [.. Enumerable.Repeat(TimeSpan.FromMilliseconds(50), 10)]);
        var app = await engine.CreateApplicationAsync();
        var delivered = new List<int>();
        var inFlight = 0;
        var overlapped = false;
        var random = new Random(42);
        receiver.On("/ordered", async (ctx, request) =>
        {
            if (Interlocked.Increment(ref inFlight) > 1)
            {
                overlapped = true;
            }
            await Task.Delay(5);
            var n = int.Parse(Encoding.UTF8.GetString(request.Body).Trim('{', '}').Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
            bool fail;
            lock (random)
            {
                fail = random.Next(3) == 0; // a third of attempts fail and are retried
            }
            if (fail)
            {
                ctx.Response.StatusCode = 500;
            }
            else
            {
                lock (delivered)
                {
                    delivered.Add(n);
                }
            }
            Interlocked.Decrement(ref inFlight);
        });
        await engine.CreateEndpointAsync(app, receiver.Url("/ordered"), e => e with { Ordered = true });

        for (var i = 0; i < 40; i++)
        {
            await engine.SendAsync(app, "a.b", $"{{\"n\":{i}}}");
        }
        await Eventually.HoldsAsync(() => { lock (delivered) { return delivered.Count == 40; } }, TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(0, 40), delivered);
        Assert.False(overlapped, "an ordered endpoint had two requests in flight");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
