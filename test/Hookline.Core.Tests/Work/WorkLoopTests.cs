using System.Collections.Concurrent;
using Hookline.Core.Delivery;
using Hookline.Core.Work;

namespace Hookline.Core.Tests.Work;

public sealed class WorkLoopTests
{
    /// <summary>Long enough that a test passing within it was woken, not polled.</summary>
    private static readonly TimeSpan LongPoll = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task RunAsync_MoreDueThanRoom_RunsAtMostMaxInFlightAndEventuallyAll()
    {
        var work = new FakeWork(Enumerable.Range(1, 20));
        var running = 0;
        var most = 0;
        var done = new ConcurrentBag<int>();
        var loop = work.Loop(async (item, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await Task.Delay(20, CancellationToken.None);
            Interlocked.Decrement(ref running);
            done.Add(item);
        }, maxInFlight: 3, wakeWhenFinished: true);
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => done.Count == 20, what: "all 20 items run");
        await stop.CancelAsync();
        await run;

        Assert.InRange(most, 1, 3);
        Assert.Equal(Enumerable.Range(1, 20), done.Order());
        Assert.Equal(0, loop.InFlight);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task RunAsync_ShortClaim_EndsTheRoundUnlessClaimUntilEmpty(bool claimUntilEmpty, int claims)
    {
        var work = new FakeWork([1]);
        var loop = work.Loop((_, _) => Task.CompletedTask, claimUntilEmpty: claimUntilEmpty);
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => work.NextDueQueries > 0, what: "the loop asking for the next due time");
        await stop.CancelAsync();
        await run;

        // Asked for 10 and got 1: that ends the round, or (until empty) one more claim gets none first.
        Assert.Equal(claims, work.Claims);
    }

    [Fact]
    public async Task RunAsync_NextDueSoon_ClaimsAgainThenWithoutSignal()
    {
        var work = new FakeWork([]) { NextDue = () => DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50) };
        var loop = work.Loop((_, _) => Task.CompletedTask);
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => work.Claims >= 3, what: "claims at the next due times, well before the poll interval");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task RunAsync_Signalled_ClaimsAtOnce()
    {
        var work = new FakeWork([]);
        var loop = work.Loop((_, _) => Task.CompletedTask);
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => work.NextDueQueries == 1, what: "the loop going to sleep");
        work.Add(7);
        work.Signal.NotifyLocal();
        await Eventually.HoldsAsync(() => work.Claimed.Contains(7), what: "the signalled item claimed");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task RunAsync_ClaimFails_ReportsPausesAndCarriesOn()
    {
        var work = new FakeWork([1, 2]) { FailClaims = 2 };
        var failures = new ConcurrentBag<Exception>();
        var done = new ConcurrentBag<int>();
        var loop = work.Loop((item, _) =>
        {
            done.Add(item);
            return Task.CompletedTask;
        }, failed: failures.Add, errorPause: TimeSpan.FromMilliseconds(10));
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => done.Count == 2, what: "both items run after the store recovered");
        await stop.CancelAsync();
        await run;

        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.IsType<InvalidOperationException>(f));
    }

    [Fact]
    public async Task RunAsync_NextDueFails_ReportsAndStillSleepsUntilSignalled()
    {
        var work = new FakeWork([]) { FailNextDue = true };
        var failures = new ConcurrentBag<Exception>();
        var loop = work.Loop((_, _) => Task.CompletedTask, failed: failures.Add);
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => !failures.IsEmpty, what: "the failed next-due query reported");
        work.Add(3);
        work.Signal.NotifyLocal();
        await Eventually.HoldsAsync(() => work.Claimed.Contains(3), what: "the signalled item claimed");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task RunAsync_SettlingItemsFillTheRoom_ClaimsOnlyWhatTheirSettlingLeavesFree()
    {
        var work = new FakeWork(Enumerable.Range(1, 10));
        var settling = 3;
        var loop = work.Loop((_, _) => Task.CompletedTask, maxInFlight: 3, settling: () => Volatile.Read(ref settling));
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        // Full of unsettled results: the loop waits for a signal (the poll is minutes away) and claims nothing.
        await Task.Delay(200);
        Assert.Equal(0, work.Claims);
        Volatile.Write(ref settling, 1);
        work.Signal.Wake();
        await Eventually.HoldsAsync(() => work.Claims >= 1, what: "a claim once some results settled");
        await stop.CancelAsync();
        await run;

        Assert.Equal(2, work.AskedFor.First());
    }

    [Fact]
    public async Task RunAsync_Stopped_WaitsForRunningItemsWhichSeeTheStoppingToken()
    {
        var work = new FakeWork([1]);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawStop = false;
        var loop = work.Loop(async (_, stopping) =>
        {
            started.SetResult();
            await release.Task;
            sawStop = stopping.IsCancellationRequested;
        });
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Task.Delay(100);
        Assert.False(run.IsCompleted);
        release.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(sawStop);
        Assert.Equal(0, loop.InFlight);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>A store of due work in memory: claims take from a queue, and it counts what was asked of it.</summary>
    private sealed class FakeWork(IEnumerable<int> due)
    {
        private readonly ConcurrentQueue<int> _due = new(due);
        private int _claims;
        private int _nextDueQueries;
        private int _failClaims;

        public DeliverySignal Signal { get; } = new();

        public ConcurrentBag<int> Claimed { get; } = [];

        /// <summary>How many items each claim asked for, in order.</summary>
        public ConcurrentQueue<int> AskedFor { get; } = new();

        public int Claims => Volatile.Read(ref _claims);

        public int NextDueQueries => Volatile.Read(ref _nextDueQueries);

        public int FailClaims { get => _failClaims; init => _failClaims = value; }

        public bool FailNextDue { get; init; }

        public Func<DateTimeOffset?> NextDue { get; init; } = () => null;

        public void Add(int item) => _due.Enqueue(item);

        public WorkLoop<int> Loop(
            Func<int, CancellationToken, Task> process,
            int maxInFlight = 10,
            bool claimUntilEmpty = false,
            bool wakeWhenFinished = false,
            Action<Exception>? failed = null,
            TimeSpan? errorPause = null,
            Func<int>? settling = null) => new(TimeProvider.System)
            {
                ClaimAsync = (_, max, _) =>
                {
                    AskedFor.Enqueue(max);
                    Interlocked.Increment(ref _claims);
                    if (Interlocked.Decrement(ref _failClaims) >= 0)
                    {
                        throw new InvalidOperationException("The store is down.");
                    }
                    var claimed = new List<int>();
                    while (claimed.Count < max && _due.TryDequeue(out var item))
                    {
                        claimed.Add(item);
                        Claimed.Add(item);
                    }
                    return Task.FromResult<IReadOnlyList<int>>(claimed);
                },
                ProcessAsync = process,
                GetNextDueAsync = (_, _) =>
                {
                    Interlocked.Increment(ref _nextDueQueries);
                    return FailNextDue ? throw new InvalidOperationException("The store is down.") : Task.FromResult(NextDue());
                },
                WaitForSignalAsync = (timeout, cancellationToken) => Signal.WaitAsync(timeout, TimeProvider.System, cancellationToken),
                ItemFinished = wakeWhenFinished ? (Action)Signal.NotifyLocal : null,
                MaxInFlight = maxInFlight,
                PollInterval = LongPoll,
                ClaimUntilEmpty = claimUntilEmpty,
                Failed = failed,
                ErrorPause = errorPause ?? TimeSpan.FromSeconds(1),
                Settling = settling,
            };
    }
}
