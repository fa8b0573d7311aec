namespace Hookline.Core.Delivery;

/// <summary>
/// What the dispatcher keeps in memory for one endpoint this node owns: its limits, how many of its
/// deliveries are leased here, the concurrency gate they pass to be sent, and its throttle clock.
/// Only the owner sends to an endpoint, so these hold across nodes. A new object is made each time
/// the endpoint is taken, so a delivery leased under an earlier ownership is recognised and dropped.
/// </summary>
internal sealed class OwnedEndpointState
{
    /// <summary>How long a rate window of finished sends is: the capacity follows the rate measured over the last one.</summary>
    internal const long RateWindowMilliseconds = 100;

    /// <summary>
    /// Most deliveries kept leased ahead, as a multiple of the concurrency: the bound on what one
    /// endpoint takes of its node's in-flight room, however fast it is.
    /// </summary>
    internal const int MaxPrefetchFactor = 10;

    /// <summary>
    /// Most deliveries queued behind the busy slots of an endpoint whose sends are not fast: so an
    /// endpoint with a high concurrency whose receiver hangs holds its slots and only this many more.
    /// </summary>
    internal const int MaxQueuedAhead = 10;

    private readonly Lock _lock = new();
    private readonly Func<long> _clock;
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private readonly Queue<long> _offered = new();
    private int _running;
    private int _held;
    private int _unrecorded;
    private long _nextSlotTicks;
    private long _sendUntilTicks;
    private long _windowStart;
    private int _windowFinished;
    private int _demand;

    /// <param name="clock">Milliseconds of a monotonic clock, for the send rate (the default is <see cref="Environment.TickCount64"/>).</param>
    public OwnedEndpointState(string id, bool ordered, int limit, int? rate, DateTimeOffset now, Func<long>? clock = null)
    {
        _clock = clock ?? (static () => Environment.TickCount64);
        _windowStart = _clock();
        Id = id;
        Update(ordered, limit, rate);
        LastActive = now;
    }

    public string Id { get; }

    public bool Ordered { get; private set; }

    /// <summary>Most deliveries sent at once (1 when ordered).</summary>
    public int Limit { get; private set; }

    /// <summary>Deliveries per second, or null when unthrottled.</summary>
    public int? Rate { get; private set; }

    /// <summary>Being handed to another node: claims nothing more, and is given up once nothing of it is held.</summary>
    public bool Draining { get; set; }

    /// <summary>
    /// Which take of the node's this state came from (they are numbered in order): a heartbeat forgets
    /// only endpoints taken before its renewal began, whose rows the renewal saw.
    /// </summary>
    public long Taken { get; init; }

    /// <summary>When the take that made this state began: offers stranded by it run out within a lease of it.</summary>
    public DateTimeOffset TakenAt { get; init; }

    /// <summary>
    /// Until when (UTC ticks) this node may start a send to it: the end of the lease its row was last
    /// written with, by the take or by a renewal that listed it, less the send margin. The node's
    /// heartbeats do not vouch for it: a take whose statement waited on a lock wrote a lease that
    /// began when the take did, which may have run out by the time the node hears of it.
    /// </summary>
    public long SendUntilTicks
    {
        get => Interlocked.Read(ref _sendUntilTicks);
        set => Interlocked.Exchange(ref _sendUntilTicks, value);
    }

    /// <summary>When a delivery of it was last held here; an endpoint idle for a heartbeat is given up.</summary>
    public DateTimeOffset LastActive { get; set; }

    /// <summary>Deliveries leased here and not finished (waiting for a slot or being sent).</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>
    /// How many of its deliveries to keep leased here: its concurrency and as many again queued, at
    /// most <see cref="MaxQueuedAhead"/>, so the next one is ready the moment a slot frees; or, when
    /// its sends finish faster than that covers, what it sent in the last
    /// <see cref="RateWindowMilliseconds"/> (up to <see cref="MaxPrefetchFactor"/> × the concurrency),
    /// so the slots do not wait on the next claim; an ordered endpoint, only its head; a throttled one,
    /// about half a second's worth. A slow or hanging endpoint finishes few sends and so keeps the
    /// small capacity: it holds its own slots and at most <see cref="MaxQueuedAhead"/> more of its
    /// node's room, however high its concurrency.
    /// </summary>
    public int Capacity
    {
        get
        {
            if (Ordered)
            {
                return 1;
            }
            var capacity = Limit + Math.Min(Limit, MaxQueuedAhead);
            return Rate is { } rate
                ? Math.Clamp((rate + 1) / 2, 1, capacity)
                : Math.Clamp(Volatile.Read(ref _demand), capacity, MaxPrefetchFactor * Limit);
        }
    }

    /// <summary>How many to claim now, or 0: claims wait until half the capacity is free, so each brings a batch.</summary>
    public int Want
    {
        get
        {
            if (Draining)
            {
                return 0;
            }
            var capacity = Capacity;
            var held = Held;
            return held <= capacity / 2 ? capacity - held : 0;
        }
    }

    public void Update(bool ordered, int limit, int? rate)
    {
        lock (_lock)
        {
            Ordered = ordered;
            Limit = ordered ? 1 : Math.Max(1, limit);
            Rate = rate is > 0 ? rate : null;
            ReleaseWaitersLocked();
        }
    }

    public void AddHeld(int count) => Interlocked.Add(ref _held, count);

    /// <summary>
    /// Deliveries sent here whose outcome is not written yet. The endpoint is not given up while any
    /// is: the next owner puts this node's leased rows back to pending, and would send them again.
    /// </summary>
    public int Unrecorded => Volatile.Read(ref _unrecorded);

    public void AddUnrecorded() => Interlocked.Increment(ref _unrecorded);

    public void RemoveUnrecorded() => Interlocked.Decrement(ref _unrecorded);

    /// <summary>A delivery counted by <see cref="AddHeld"/> that never came (a hand-off given back): not a finished send.</summary>
    public void CancelHeld() => Interlocked.Decrement(ref _held);

    /// <summary>One held delivery finished; true when claims should run again (the want crossed its mark).</summary>
    public bool RemoveHeld()
    {
        var held = Interlocked.Decrement(ref _held);
        var grew = NoteFinished();
        var capacity = Capacity;
        return held == capacity / 2 || held == 0 || (grew && held <= capacity / 2);
    }

    /// <summary>Counts a finished delivery into the send rate; true when a window closed and the capacity grew.</summary>
    private bool NoteFinished()
    {
        lock (_lock)
        {
            _windowFinished++;
            var now = _clock();
            if (now - _windowStart < RateWindowMilliseconds)
            {
                return false;
            }
            // What finished in the window, scaled to one window's length (a window that closes late, after
            // a quiet spell, counts its sends over the whole spell).
            var before = _demand;
            _demand = (int)Math.Min(int.MaxValue, _windowFinished * RateWindowMilliseconds / (now - _windowStart));
            _windowFinished = 0;
            _windowStart = now;
            return _demand > before;
        }
    }

    /// <summary>
    /// Deliveries other nodes inserted leased to this node for the endpoint (offers), not taken yet:
    /// they are taken, like claims, as the endpoint has room.
    /// </summary>
    public int Offered
    {
        get
        {
            lock (_lock)
            {
                return _offered.Count;
            }
        }
    }

    /// <summary>Queues offered deliveries, at most <paramref name="room"/> of them; returns the others, which the caller gives back.</summary>
    public List<long> AddOffers(IReadOnlyList<long> ids, int room)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var over = new List<long>();
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (room-- > 0)
                {
                    _offered.Enqueue(id);
                }
                else
                {
                    over.Add(id);
                }
            }
        }
        return over;
    }

    /// <summary>Takes up to <paramref name="max"/> queued offers, oldest first.</summary>
    public List<long> TakeOffers(int max)
    {
        var taken = new List<long>();
        lock (_lock)
        {
            while (taken.Count < max && _offered.TryDequeue(out var id))
            {
                taken.Add(id);
            }
        }
        return taken;
    }

    /// <summary>Waits for a free concurrency slot.</summary>
    public async Task EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_running < Limit)
            {
                _running++;
                return;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }
        await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            await waiter.Task;
        }
    }

    /// <summary>Frees the slot taken by <see cref="EnterAsync"/>.</summary>
    public void Exit()
    {
        lock (_lock)
        {
            _running--;
            ReleaseWaitersLocked();
        }
    }

    /// <summary>
    /// Books the next throttle slot, 1/rate after the previous one and never before <paramref name="now"/>
    /// (an idle endpoint starts at once; a stalled one does not send its missed slots together).
    /// </summary>
    public DateTimeOffset BookSlot(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (Rate is not { } rate)
            {
                return now;
            }
            var slot = Math.Max(now.UtcTicks, _nextSlotTicks);
            _nextSlotTicks = slot + (TimeSpan.TicksPerSecond / rate);
            return new DateTimeOffset(slot, TimeSpan.Zero);
        }
    }

    private void ReleaseWaitersLocked()
    {
        while (_running < Limit && _waiters.TryDequeue(out var next))
        {
            // A waiter cancelled meanwhile is skipped; its slot goes to the next.
            if (next.TrySetResult())
            {
                _running++;
            }
        }
    }
}
