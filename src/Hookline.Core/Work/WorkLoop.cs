using System.Collections.Concurrent;

namespace Hookline.Core.Work;

/// <summary>
/// The claim / run / sleep loop of a worker over leased work in a store, shared by Hookline's
/// delivery dispatcher and the receiver's inbox worker. Each round it claims due items (with
/// leases, so nothing is lost if this process dies), runs each on the thread pool with at most
/// <see cref="MaxInFlight"/> running at once, and when nothing more is due sleeps until the wake-up
/// signal, the next due time or <see cref="PollInterval"/>, whichever comes first. A store error is
/// reported to <see cref="Failed"/> and the round is tried again after <see cref="ErrorPause"/>.
/// </summary>
/// <typeparam name="TItem">A claimed item.</typeparam>
/// <remarks>
/// What is worked on, how a claim is made and what wakes the loop stay with the worker that uses
/// it; this class only owns the loop, the concurrency bound and the drain on shutdown. Call
/// <see cref="RunAsync"/> once.
/// </remarks>
public sealed class WorkLoop<TItem>
{
    /// <summary>Shortest sleep before a due time, so a due time that just passed does not spin the loop.</summary>
    private static readonly TimeSpan MinSleep = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly Lock _runLock = new();
    private CancellationToken _stoppingToken;
    private bool _accepting;
    private int _inFlight;

    /// <summary>Creates a loop; set the required delegates and limits before <see cref="RunAsync"/>.</summary>
    /// <param name="timeProvider">The clock for due times, sleeps and pauses.</param>
    public WorkLoop(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
    }

    /// <summary>
    /// Claims (and leases) up to the given number of items due at the given time. An empty list
    /// means nothing claimable is due.
    /// </summary>
    public required Func<DateTimeOffset, int, CancellationToken, Task<IReadOnlyList<TItem>>> ClaimAsync { get; init; }

    /// <summary>
    /// Works on one claimed item, on the thread pool, given the loop's stopping token. It should
    /// handle its own failures (record them on the item); the loop does not retry an item.
    /// </summary>
    public required Func<TItem, CancellationToken, Task> ProcessAsync { get; init; }

    /// <summary>
    /// The earliest time after the given one (the time of the round's claim) at which an item
    /// becomes due, or null when none will. Work that is due but not claimable is left out: whatever
    /// frees it signals the loop.
    /// </summary>
    public required Func<DateTimeOffset, CancellationToken, Task<DateTimeOffset?>> GetNextDueAsync { get; init; }

    /// <summary>Waits until the wake-up signal is raised or the given time passes (returning normally either way).</summary>
    public required Func<TimeSpan, CancellationToken, Task> WaitForSignalAsync { get; init; }

    /// <summary>Most items running at once; when that many run, the loop claims nothing and waits.</summary>
    public required int MaxInFlight { get; init; }

    /// <summary>Longest sleep when nothing is due, in case a wake-up was missed.</summary>
    public required TimeSpan PollInterval { get; init; }

    /// <summary>
    /// Items that finished running but whose results are not settled yet (written later, in a batch),
    /// counted against <see cref="MaxInFlight"/> with the running ones. Whatever settles them signals
    /// the loop.
    /// </summary>
    /// <value>The default value is null: nothing is counted besides the running items.</value>
    public Func<int>? Settling { get; init; }

    /// <summary>Most items one claim asks for.</summary>
    /// <value>The default value is <see cref="int.MaxValue"/>: as many as there is room for.</value>
    public int MaxClaimBatch { get; init; } = int.MaxValue;

    /// <summary>
    /// Whether a claim that returned fewer items than asked is followed at once by another claim,
    /// until one returns nothing. Set it when a short claim does not mean that nothing else is due
    /// (a store that caps each endpoint's share of a claim); otherwise a short claim ends the round.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ClaimUntilEmpty { get; init; }

    /// <summary>How long the loop waits after a failed round before the next one.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan ErrorPause { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Told of a failed claim or next-due query (for logging); the loop carries on.</summary>
    public Action<Exception>? Failed { get; init; }

    /// <summary>
    /// Runs at the start of every round, before the claim, for chores that must not run beside it
    /// (a periodic purge). It should handle its own failures; one that escapes counts as a failed round.
    /// </summary>
    public Func<CancellationToken, Task>? BeforeRoundAsync { get; init; }

    /// <summary>Called when an item has finished and its slot is free again.</summary>
    public Action? ItemFinished { get; init; }

    /// <summary>Items running now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>How many more items may start now: <see cref="MaxInFlight"/> less those running and those settling.</summary>
    public int Room => MaxInFlight - InFlight - (Settling?.Invoke() ?? 0);

    /// <summary>
    /// Runs rounds until <paramref name="stoppingToken"/> is cancelled, then waits for the items
    /// still running (they were given the same token) before returning.
    /// </summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        lock (_runLock)
        {
            _stoppingToken = stoppingToken;
            _accepting = true;
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunRoundAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // The store may be briefly unavailable; nothing is lost while we wait.
                    Failed?.Invoke(ex);
                    if (!await PauseAsync(stoppingToken))
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            lock (_runLock)
            {
                // From here no item starts (TryRun refuses), so the items awaited are all there are.
                _accepting = false;
            }
            await Task.WhenAll(_running.Keys);
        }
    }

    /// <summary>
    /// Runs an item that reached the worker without <see cref="ClaimAsync"/> (leased elsewhere and
    /// handed over in memory) exactly as a claimed one: counted in <see cref="InFlight"/>, given the
    /// stopping token, waited for on shutdown. The caller keeps it within <see cref="MaxInFlight"/>
    /// (it is not checked here: the item is already leased).
    /// </summary>
    /// <returns>False when the loop is not running (not started, or stopping): the caller must give the item back.</returns>
    public bool TryRun(TItem item)
    {
        lock (_runLock)
        {
            if (!_accepting || _stoppingToken.IsCancellationRequested)
            {
                return false;
            }
            Start(item, _stoppingToken);
            return true;
        }
    }

    private async Task RunRoundAsync(CancellationToken stoppingToken)
    {
        if (BeforeRoundAsync is { } beforeRound)
        {
            await beforeRound(stoppingToken);
        }
        var room = Room;
        if (room <= 0)
        {
            // Full: a finishing item (or the signal) wakes the loop.
            await WaitForSignalAsync(PollInterval, stoppingToken);
            return;
        }
        var now = _time.GetUtcNow();
        var max = Math.Min(room, MaxClaimBatch);
        var claimed = await ClaimAsync(now, max, stoppingToken);
        foreach (var item in claimed)
        {
            Start(item, stoppingToken);
        }
        if (claimed.Count > 0 && (ClaimUntilEmpty || claimed.Count == max))
        {
            // More may be due right now: claim again before sleeping.
            return;
        }
        var sleep = PollInterval;
        try
        {
            // Asked from the claim's time, so an item that became due since the claim is not missed.
            if (await GetNextDueAsync(now, stoppingToken) is { } due)
            {
                var until = due - _time.GetUtcNow();
                sleep = until < MinSleep ? MinSleep : until;
                sleep = sleep < PollInterval ? sleep : PollInterval;
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Only a shortcut: without it the loop polls.
            Failed?.Invoke(ex);
        }
        await WaitForSignalAsync(sleep, stoppingToken);
    }

    private void Start(TItem item, CancellationToken stoppingToken)
    {
        Interlocked.Increment(ref _inFlight);
        var run = Task.Run(() => ProcessAsync(item, stoppingToken), CancellationToken.None);
        _running[run] = 0;
        // Registered after the task is tracked, so it is untracked however quickly it finishes.
        _ = run.ContinueWith(Finished, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Finished(Task run)
    {
        _running.TryRemove(run, out _);
        Interlocked.Decrement(ref _inFlight);
        ItemFinished?.Invoke();
    }

    private async Task<bool> PauseAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(ErrorPause, _time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
