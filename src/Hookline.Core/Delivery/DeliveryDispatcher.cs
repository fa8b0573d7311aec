using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Hookline.Core.Diagnostics;
using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Core.Work;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hookline.Core.Delivery;

/// <summary>
/// The outbound engine of one node. It owns whole endpoints (taken from the store for a lease it
/// renews by heartbeat; a share of them when several nodes run), and only the owner sends to an
/// endpoint, so each endpoint's concurrency limit, FIFO order and throttle are kept here in memory
/// and hold across nodes. It claims the due deliveries of its endpoints in batches ahead of their
/// free slots, sends each as soon as a slot frees, and records outcomes in batches. It sleeps until
/// the next delivery is due or until <see cref="DeliverySignal"/> says new work committed.
/// A crash loses nothing: the delivery rows stay the truth, and when this node's lease on an
/// endpoint runs out another node takes it and puts what was leased here back to pending. What it
/// records is reported to every <see cref="IDeliveryObserver"/> (operational webhooks subscribe that way).
/// </summary>
internal sealed partial class DeliveryDispatcher : BackgroundService, IDeliveryHandOff, IAsyncDisposable
{
    /// <summary>Longest sleep when nothing is due, in case a wake-up from another node was missed.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How late a throttled send may leave after its slot. Later than this (the node stalled: GC, a
    /// starved CPU, a paused VM) the slot is let go and a new one booked, so overdue slots are never
    /// sent together: any one-second window holds at most the rate plus this much (≤ rate × 1.1).
    /// </summary>
    private static readonly TimeSpan SlotTolerance = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a relay delivery given back by a node that does not hold its connection waits before it is due again.</summary>
    private static readonly TimeSpan RelayReleaseDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a node leaves an endpoint it handed over (above its share, or a relay endpoint whose
    /// connection another node holds) for the other node to take, before it may take it back.
    /// </summary>
    private static readonly TimeSpan HandOverBackoff = TimeSpan.FromSeconds(2);

    /// <summary>When no work arrived, how often the dispatcher still looks for endpoints to take (retries come due).</summary>
    private static readonly TimeSpan AcquireInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often a node that already owns its share still looks for endpoints when work keeps arriving.
    /// Every commit on any node is an arrival, and at its share a node may take only one endpoint, which
    /// is rarely there to take: in the two-node benchmark these searches were 1,800 statements of
    /// 1.5 ms each, all finding nothing. A node under its share looks at every arrival.
    /// </summary>
    private static readonly TimeSpan AtShareAcquireInterval = TimeSpan.FromMilliseconds(50);

    private const int AcquireBatch = 32;
    private const int MaxInFlight = 2000;
    private const int CompletionBatchSize = 500;

    /// <summary>
    /// An outcome batch smaller than this, while sends are running, waits up to
    /// <see cref="CompletionLingerSteps"/> × <see cref="CompletionLingerStep"/> for more.
    /// </summary>
    private const int CompletionLingerBelow = 64;
    private const int CompletionLingerSteps = 4;
    private static readonly TimeSpan CompletionLingerStep = TimeSpan.FromMilliseconds(5);

    private readonly IDeliveryStore _store;
    private readonly DeliverySignal _signal;
    private readonly AttemptSender _sender;
    private readonly IReadOnlyList<IDeliveryObserver> _observers;
    private readonly DeliveryOptions _options;
    private readonly RetrySchedule _schedule;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryDispatcher> _logger;
    private readonly HooklineMetrics _metrics;
    private readonly string _nodeId;
    private readonly Channel<(RecordedDelivery Recorded, OwnedEndpointState State)> _completions =
        Channel.CreateUnbounded<(RecordedDelivery, OwnedEndpointState)>(new UnboundedChannelOptions { SingleReader = true });

    // Ownership: the endpoints this node owns, and until when it may start sends to them (the lease
    // from the last heartbeat, less a margin so that a send started in time ends before the lease does).
    private readonly Lock _ownedLock = new();
    private readonly Dictionary<string, OwnedEndpointState> _owned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _handedOver = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ClaimedDelivery> _unsent = new();

    // Offers: rows inserted leased to this node (by another node, or by this one for an endpoint
    // that had no room for a hand-off), by id, from when they are heard of until
    // their outcome is recorded or they are given back. What is not here and was offered to this node
    // more than LostOfferAge ago was never heard of, and goes back to pending (ReturnLostOffersAsync).
    // The value is when the offer was heard of (UTC ticks), so that the lost-offer sweep sends only
    // the ids that can be in the window it looks at, not every offer waiting here.
    private readonly ConcurrentDictionary<long, long> _offersKnown = new();
    private int _offersWaiting;
    private int _rounds;

    // What a claim may find that it did not last time: work arrived (Arrivals), an endpoint was
    // taken, or time passed (retries come due). A round whose offers filled it skips the claim otherwise.
    private long _claimArrivals = -1;
    private DateTimeOffset _lastClaim = DateTimeOffset.MinValue;
    private bool _acquiredSinceClaim;

    // The last next-due answer, reused for a moment while nothing that could change it happened
    // (no arrival; no outcome recorded and no delivery given back here, which _dueChanges counts):
    // rounds come at every offer and every freed slot.
    private (long Arrivals, long Changes, DateTimeOffset At, DateTimeOffset? Due)? _nextDue;
    private long _dueChanges;
    private DateTimeOffset _lastLostOffers = DateTimeOffset.MinValue;
    private DateTimeOffset _lastFullLostOffers = DateTimeOffset.MinValue;
    private DateTimeOffset? _lostOffersUpTo;
    private DateTimeOffset? _strandedLookedAt;

    /// <summary>How old an offer this node has not heard of is when it is taken as lost.</summary>
    private static readonly TimeSpan LostOfferAge = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How far apart two nodes' clocks may be for the lost-offer sweep's windows (docs/operations.md
    /// asks for NTP; a few hundred milliseconds are expected). A node whose clock ran further ahead
    /// could have an offer it made, waiting or being sent here, put back to pending by a windowed
    /// sweep and sent twice.
    /// </summary>
    private static readonly TimeSpan OfferClockMargin = TimeSpan.FromSeconds(10);

    /// <summary>How often the search for lost offers looks at all of them, not only at those made since its last look.</summary>
    private static readonly TimeSpan LostOfferFullSweep = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NextDueReuse = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Most offers this node keeps waiting for room, all endpoints together (a few megabytes of ids);
    /// beyond it they go back to pending, so a backlog the node cannot send soon stays in the database.
    /// </summary>
    private const int MaxOffersWaiting = 100_000;
    private long _sendUntilTicks;
    private int _acquiring;
    private int _wakeScheduled;
    private int _unrecorded;
    private int _reserved;
    private WorkLoop<HeldDelivery>? _loop;
    private int _claimCursor;
    private int _liveNodes = 1;
    private int _ownedByLiveNodes;
    /// <summary>Heartbeats in a row at which this node owned more than its share (see <see cref="HeartbeatAsync"/>).</summary>
    private int _aboveShareBeats;
    /// <summary>Endpoints taken so far (under <see cref="_ownedLock"/>); numbers each state's <see cref="OwnedEndpointState.Taken"/>.</summary>
    private long _taken;
    private long _arrivalsSeen = -1;
    private DateTimeOffset _lastAcquire = DateTimeOffset.MinValue;

    public DeliveryDispatcher(
        IDeliveryStore store,
        DeliverySignal signal,
        AttemptSender sender,
        IEnumerable<IDeliveryObserver> observers,
        IOptions<DeliveryOptions> options,
        TimeProvider time,
        ILogger<DeliveryDispatcher> logger,
        HooklineMetrics metrics)
    {
        _metrics = metrics;
        _store = store;
        _signal = signal;
        _nodeId = signal.NodeId;
        _sender = sender;
        _observers = [.. observers];
        _options = options.Value;
        _schedule = new RetrySchedule(_options.EffectiveRetrySchedule);
        _time = time;
        _logger = logger;
    }

    private TimeSpan OwnershipLease => _options.EffectiveLeaseDuration;

    /// <summary>
    /// A quarter of the lease, and at most a second: the heartbeat is also how a node learns that
    /// another one joined and hands it a share, which should not wait on a long lease.
    /// </summary>
    private TimeSpan HeartbeatInterval => OwnershipLease / 4 < MaxHeartbeatInterval ? OwnershipLease / 4 : MaxHeartbeatInterval;

    private static readonly TimeSpan MaxHeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>Heartbeats in a row at which a node must be above its share before it hands an endpoint over.</summary>
    private const int HandOverAfterBeats = 2;

    /// <summary>Sends start no later than this before the ownership lease ends, so they end before it does.</summary>
    private TimeSpan SendMargin => _options.Timeout < OwnershipLease / 3 ? _options.Timeout : OwnershipLease / 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var observer in _observers)
        {
            await observer.StartAsync(stoppingToken);
        }
        var loop = _loop = new WorkLoop<HeldDelivery>(_time)
        {
            ClaimAsync = ClaimRoundAsync,
            ProcessAsync = SendAsync,
            GetNextDueAsync = NextDueAsync,
            // Woken by committed work, by a slot freeing and by the recorder once outcomes are recorded
            // (an ordered endpoint's next delivery becomes its head then).
            WaitForSignalAsync = (timeout, cancellationToken) => _signal.WaitAsync(timeout, _time, cancellationToken),
            MaxInFlight = MaxInFlight,
            // Sent, outcome not yet written: counted against the bound, so sends that outrun the
            // database wait for the recorder instead of queueing outcomes (each with its message)
            // without limit, which grows memory and what a crash would send again.
            // Hand-offs reserved and not yet committed count too: they arrive leased.
            Settling = () => Volatile.Read(ref _unrecorded) + Volatile.Read(ref _reserved),
            PollInterval = PollInterval,
            ErrorPause = PollInterval,
            Failed = ex => Log.ClaimFailed(_logger, ex),
        };
        _signal.OfferReceived += OnOfferReceived;
        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var heartbeat = Task.Run(() => HeartbeatLoopAsync(heartbeatStop.Token), CancellationToken.None);
        var recorder = Task.Run(() => RecordCompletionsAsync(), CancellationToken.None);
        try
        {
            // Returns after letting attempts in flight finish (they are bounded by the delivery
            // timeout), so a graceful stop records them and does not cause duplicate sends after restart.
            await loop.RunAsync(stoppingToken);
        }
        finally
        {
            _signal.OfferReceived -= OnOfferReceived;
            _completions.Writer.TryComplete();
            await recorder;
            await heartbeatStop.CancelAsync();
            await heartbeat;
            await HandOverAsync();
        }
    }

    /// <summary>
    /// Disposed without having been stopped (the host failed to start after this service had): the
    /// loop is cancelled and given a few seconds to end, hand-over included, before the container
    /// goes on to dispose the store it writes to. Without the wait the hand-over raced the store's
    /// disposal and logged an error on what should be a one-line startup failure.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        if (ExecuteTask is { } running)
        {
            await Task.WhenAny(running, Task.Delay(DisposeWait, CancellationToken.None));
        }
    }

    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(5);

    public DeliveryLease? Lease()
    {
        var now = _time.GetUtcNow();
        if (_loop is null || now.UtcTicks >= Interlocked.Read(ref _sendUntilTicks))
        {
            return null;
        }
        return new DeliveryLease(_nodeId, Convert.ToHexString(RandomNumberGenerator.GetBytes(12)), now, now + _options.EffectiveLeaseDuration);
    }

    public OwnedEndpointState? TryReserve(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var loop = _loop;
        if (loop is null || endpoint.Ordered || endpoint.ThrottleRate is not null)
        {
            return null;
        }
        lock (_ownedLock)
        {
            if (!_owned.TryGetValue(endpoint.Id, out var state) || state.Draining || state.Ordered || state.Rate is not null
                || _time.GetUtcNow().UtcTicks >= state.SendUntilTicks)
            {
                return null;
            }
            // The endpoint as matched for the message is as fresh as the claim's would be: keep its limit.
            state.Update(ordered: false, endpoint.MaxConcurrency ?? _options.MaxConcurrencyPerEndpoint, rate: null);
            // Offers waiting for the endpoint go first: a new delivery joins them rather than passing them.
            if (state.Held >= state.Capacity || loop.Room <= 0 || state.Offered > 0)
            {
                return null;
            }
            state.AddHeld(1);
            state.LastActive = _time.GetUtcNow();
            Interlocked.Increment(ref _reserved);
            return state;
        }
    }

    public async Task DeliverAsync(OwnedEndpointState reservation, ClaimedDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(delivery);
        if (_loop is { } loop && loop.TryRun(new HeldDelivery(delivery, reservation)))
        {
            Interlocked.Decrement(ref _reserved);
            return;
        }
        // The dispatcher is stopping: give the row back unsent, as a graceful stop does with what it holds.
        Cancel(reservation);
        try
        {
            await _store.ReleaseAsync(delivery.DeliveryId, delivery.LeaseToken, _time.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Its lease runs out instead, and the endpoint's next owner puts it back; nothing is lost.
            Log.HandOverFailed(_logger, ex);
        }
    }

    public void Cancel(OwnedEndpointState reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        reservation.CancelHeld();
        Interlocked.Decrement(ref _reserved);
    }

    /// <summary>
    /// A node (another, or this one when the endpoint had no room for a hand-off) committed deliveries
    /// leased to this node, for an endpoint this node owns: they
    /// wait with the endpoint's state and are taken as it has room, like claims but with a read
    /// instead of a write. An endpoint no longer owned here, or being handed over, gives them back
    /// to pending at once, as does one that already has more offers waiting than it may keep.
    /// </summary>
    private void OnOfferReceived(DeliveryOffer offer)
    {
        List<long> giveBack;
        lock (_ownedLock)
        {
            if (_owned.TryGetValue(offer.EndpointId, out var state) && !state.Draining)
            {
                var heard = _time.GetUtcNow();
                foreach (var id in offer.DeliveryIds)
                {
                    _offersKnown[id] = heard.UtcTicks;
                }
                giveBack = QueueOffers(state, offer.DeliveryIds);
                state.LastActive = heard;
            }
            else
            {
                giveBack = [.. offer.DeliveryIds];
            }
        }
        if (giveBack.Count > 0)
        {
            _ = GiveBackOffersAsync(giveBack);
        }
    }

    /// <summary>Queues offers with their endpoint, within the node's bound; returns those beyond it.</summary>
    private List<long> QueueOffers(OwnedEndpointState state, IReadOnlyList<long> ids)
    {
        var over = state.AddOffers(ids, MaxOffersWaiting - Volatile.Read(ref _offersWaiting));
        Interlocked.Add(ref _offersWaiting, ids.Count - over.Count);
        return over;
    }

    private List<long> TakeOffers(OwnedEndpointState state, int max)
    {
        var taken = state.TakeOffers(max);
        Interlocked.Add(ref _offersWaiting, -taken.Count);
        return taken;
    }

    /// <summary>Puts offers back to pending and wakes the nodes, one of which claims them.</summary>
    private async Task GiveBackOffersAsync(List<long> ids)
    {
        foreach (var id in ids)
        {
            _offersKnown.TryRemove(id, out _);
        }
        try
        {
            await _store.ReleaseOffersAsync(_nodeId, ids, _time.GetUtcNow(), CancellationToken.None);
            _signal.Notify();
        }
        catch (Exception ex)
        {
            // No longer known here, they go back to pending a few seconds on (ReturnLostOffersAsync).
            // Nothing is lost.
            Log.OffersNotReturned(_logger, ids.Count, ex);
        }
    }

    /// <summary>
    /// A graceful stop: deliveries leased here but never sent go back to pending without an attempt,
    /// and the endpoints are given up, so another node takes them at once instead of after the lease.
    /// </summary>
    private async Task HandOverAsync()
    {
        try
        {
            var now = _time.GetUtcNow();
            while (_unsent.TryDequeue(out var delivery))
            {
                await _store.ReleaseAsync(delivery.DeliveryId, delivery.LeaseToken, now, CancellationToken.None);
            }
            // The endpoints first: from then on no node offers anything to this one (an insert that
            // offers holds the owner row it read until it commits, which the release waits for). Then
            // every offer to this node goes back (nothing is in flight any more): those waiting here,
            // and those whose notification had not come yet, which would otherwise wait for their
            // lease to run out before another node took the endpoint over.
            await _store.ReleaseEndpointsAsync(_nodeId, null, CancellationToken.None);
            await _store.ReturnLostOffersAsync(_nodeId, [], null, DateTimeOffset.MaxValue, now, CancellationToken.None);
            _signal.Notify();
        }
        catch (Exception ex)
        {
            // The leases run out instead; nothing is lost.
            Log.HandOverFailed(_logger, ex);
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await HeartbeatAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Sends stop by themselves when the lease can no longer be trusted (SendUntil).
                Log.HeartbeatFailed(_logger, ex);
            }
            try
            {
                await Task.Delay(HeartbeatInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Renews every endpoint this node owns and records it as live; forgets endpoints whose lease ran
    /// out (another node may own them now); marks endpoints above this node's even share for hand-over.
    /// </summary>
    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        var start = _time.GetUtcNow();
        var request = new OwnershipRequest { NodeId = _nodeId, Now = start, Lease = OwnershipLease };
        long takenBefore;
        lock (_ownedLock)
        {
            takenBefore = _taken;
        }
        var renewal = await _store.RenewOwnershipAsync(request, cancellationToken);
        var still = new HashSet<string>(renewal.Owned, StringComparer.Ordinal);
        List<string> orphans;
        lock (_ownedLock)
        {
            // Only endpoints taken before the renewal began: one taken while it ran may have committed
            // after the renewal read the owners, and is not missing but new. Forgetting it left the
            // node with an endpoint the database said it owned (released as an orphan a heartbeat
            // later), its deliveries in hand given back unsent and its offers returned to pending, to
            // be claimed again (seen in the three-node bench as "lease ran out" on a live node).
            foreach (var id in _owned.Where(x => x.Value.Taken <= takenBefore && !still.Contains(x.Key)).Select(x => x.Key).ToList())
            {
                // Its offers are the next owner's now: taking the endpoint puts them back to pending.
                foreach (var offer in TakeOffers(_owned[id], int.MaxValue))
                {
                    _offersKnown.TryRemove(offer, out _);
                }
                _owned.Remove(id);
            }
            var sendUntil = (start + OwnershipLease - SendMargin).UtcTicks;
            Interlocked.Exchange(ref _sendUntilTicks, sendUntil);
            // The renewal leased these until start + lease: they may be sent to until then, less the
            // margin. Only those taken before it began: a row taken since may have been written after
            // the renewal read the owners, with a lease of its own (kept from the take).
            foreach (var state in _owned.Values.Where(x => x.Taken <= takenBefore && still.Contains(x.Id)))
            {
                state.SendUntilTicks = sendUntil;
            }
            _liveNodes = Math.Max(1, renewal.LiveNodes);
            _ownedByLiveNodes = renewal.OwnedByLiveNodes;
            // The share counts only endpoints owned at this renewal, and a burst after a quiet spell
            // starts with endpoints nobody owns: a node that took two of four before the others took
            // theirs was briefly above a share of one, and handed a busy endpoint over, giving back
            // thousands of offers to be claimed again by the next owner (seen in the multinode bench).
            // So no hand-over while work has no owner (the nodes below their share take that first),
            // only when the excess held at the heartbeat before as well, and the endpoint with the
            // least in hand first.
            var excess = renewal.WorkUnowned ? 0 : _owned.Values.Count(x => !x.Draining) - ShareLocked();
            _aboveShareBeats = excess > 0 ? _aboveShareBeats + 1 : 0;
            if (_aboveShareBeats < HandOverAfterBeats)
            {
                excess = 0;
            }
            foreach (var state in _owned.Values.Where(x => !x.Draining).OrderBy(x => x.Held + x.Offered).Take(Math.Max(0, excess)))
            {
                state.Draining = true;
                Log.HandingOver(_logger, state.Id, _owned.Count, ShareLocked(), _ownedByLiveNodes, _liveNodes, state.Held, state.Offered);
            }
            // Owned in the database but not here: an acquire whose answer was lost, or a release that
            // failed after the endpoint was forgotten. The renewal above would otherwise keep it owned
            // by a node that never claims for it, and nobody would send to it again. Unless an acquire
            // is under way (its rows may be committed and not yet recorded here), give those up.
            // Also found here: an endpoint given up idle by the work loop after the renewal read it.
            orphans = Volatile.Read(ref _acquiring) == 0 ? [.. renewal.Owned.Where(id => !_owned.ContainsKey(id))] : [];
        }
        if (orphans.Count > 0)
        {
            Log.OrphansReleased(_logger, orphans.Count);
            // Only while the lease is the one this renewal wrote: the work loop may have given one up
            // and taken it again since the check above, and deleting that new lease would leave it
            // sending to an endpoint another node can take, with what it holds leased put back to
            // pending and sent twice.
            await _store.ReleaseOrphansAsync(request, orphans, cancellationToken);
            _signal.Notify();
        }
        // The first heartbeat (or one after an outage) lets claims run again.
        _signal.Wake();
    }

    /// <summary>How many endpoints this node should own: all when alone, else an even share (rounded up) of those owned.</summary>
    private int ShareLocked() =>
        _liveNodes <= 1 ? int.MaxValue : Math.Max(1, (_ownedByLiveNodes + _liveNodes - 1) / _liveNodes);

    private bool MaySend(OwnedEndpointState state)
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (now >= Interlocked.Read(ref _sendUntilTicks) || now >= state.SendUntilTicks)
        {
            return false;
        }
        lock (_ownedLock)
        {
            return _owned.TryGetValue(state.Id, out var current) && ReferenceEquals(current, state);
        }
    }

    /// <summary>
    /// One round of the work loop: gives up endpoints that are idle or handed over, takes endpoints
    /// with due work when work arrived (or now and then), then claims for every owned endpoint that
    /// has room, in one store call.
    /// </summary>
    private async Task<IReadOnlyList<HeldDelivery>> ClaimRoundAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await ReleaseIdleAsync(now, cancellationToken);
        await AcquireAsync(now, cancellationToken);
        await ReturnLostOffersAsync(now, cancellationToken);

        var wants = new List<EndpointWant>();
        var states = new Dictionary<string, OwnedEndpointState>(StringComparer.Ordinal);
        lock (_ownedLock)
        {
            if (now.UtcTicks >= Interlocked.Read(ref _sendUntilTicks))
            {
                // No heartbeat got through for too long: this node cannot know what it still owns.
                return [];
            }
            var room = max;
            // Each round starts after the last endpoint the previous one looked at, so when the room
            // is short the same endpoints do not take it every time while the others wait.
            var owned = _owned.Values.ToArray();
            var first = owned.Length == 0 ? 0 : (int)((uint)_claimCursor % (uint)owned.Length);
            var looked = 0;
            for (; looked < owned.Length && room > 0; looked++)
            {
                var state = owned[(first + looked) % owned.Length];
                // One whose lease may have run out is not claimed for: what it got could not be sent.
                var want = now.UtcTicks < state.SendUntilTicks ? Math.Min(state.Want, room) : 0;
                if (want > 0)
                {
                    wants.Add(new EndpointWant(state.Id, want));
                    states[state.Id] = state;
                    room -= want;
                }
            }
            _claimCursor = first + looked;
        }
        if (wants.Count == 0)
        {
            return [];
        }
        var held = new List<HeldDelivery>();
        // Offers first (they are already leased here), then claims for what room is left; every fourth
        // round the other way round, so that pending work (retries, deliveries from before the endpoint
        // was taken) is not held back for as long as offers keep coming.
        try
        {
            if (++_rounds % 4 != 0)
            {
                var rest = await TakeOffersAsync(wants, states, held, cancellationToken);
                if (held.Count == 0 || ClaimMayFind(now))
                {
                    await ClaimAsync(now, rest, states, held, cancellationToken);
                }
            }
            else
            {
                if (ClaimMayFind(now) || !wants.Exists(w => states[w.EndpointId].Offered > 0))
                {
                    await ClaimAsync(now, wants, states, held, cancellationToken);
                }
                var got = held.GroupBy(x => x.State.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                await TakeOffersAsync([.. wants.Select(w => w with { Max = w.Max - got.GetValueOrDefault(w.EndpointId) })], states, held, cancellationToken);
            }
        }
        catch (Exception ex) when (held.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            // The first call's deliveries are held here already: send them, and let the next round try
            // the second again (a failed round would drop them with their leases still held).
            Log.ClaimFailed(_logger, ex);
        }
        return held;
    }

    private bool ClaimMayFind(DateTimeOffset now) =>
        _signal.Arrivals != _claimArrivals || _acquiredSinceClaim || now - _lastClaim >= AcquireInterval;

    /// <summary>The work loop's next due time, reused for <see cref="NextDueReuse"/> while no work arrived and nothing here changed a due time.</summary>
    private async Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after, CancellationToken cancellationToken)
    {
        var arrivals = _signal.Arrivals;
        var changes = Interlocked.Read(ref _dueChanges);
        if (_nextDue is { } last && last.Arrivals == arrivals && last.Changes == changes && after >= last.At
            && after - last.At < NextDueReuse && (last.Due is null || last.Due > after))
        {
            return last.Due;
        }
        // The work loop sleeps at most the poll interval, so nothing later can shorten a sleep.
        var due = await _store.GetNextDueAsync(after, after + PollInterval, cancellationToken);
        _nextDue = (arrivals, changes, after, due);
        return due;
    }

    /// <summary>Claims up to each want's number of pending deliveries, in one store call, and holds them.</summary>
    private async Task ClaimAsync(DateTimeOffset now, List<EndpointWant> wants, Dictionary<string, OwnedEndpointState> states, List<HeldDelivery> held, CancellationToken cancellationToken)
    {
        wants.RemoveAll(w => w.Max <= 0);
        if (wants.Count == 0)
        {
            return;
        }
        _claimArrivals = _signal.Arrivals;
        _lastClaim = now;
        _acquiredSinceClaim = false;
        var claimed = await _store.ClaimOwnedAsync(new OwnedClaimRequest
        {
            NodeId = _nodeId,
            Now = now,
            LeaseDuration = _options.EffectiveLeaseDuration,
            Wants = wants,
        }, cancellationToken);
        foreach (var delivery in claimed)
        {
            Hold(delivery, states[delivery.Endpoint.Id], now, held);
        }
    }

    /// <summary>
    /// Takes up to each want's number of the endpoint's waiting offers, reads them in one store call
    /// (a read: they are leased here already) and holds them; returns the wants less what the offers covered.
    /// </summary>
    private async Task<List<EndpointWant>> TakeOffersAsync(List<EndpointWant> wants, Dictionary<string, OwnedEndpointState> states, List<HeldDelivery> held, CancellationToken cancellationToken)
    {
        var rest = new List<EndpointWant>(wants.Count);
        var ids = new List<long>();
        var takenBy = new List<(OwnedEndpointState State, List<long> Ids)>();
        foreach (var want in wants)
        {
            var taken = want.Max > 0 ? TakeOffers(states[want.EndpointId], want.Max) : [];
            if (taken.Count > 0)
            {
                takenBy.Add((states[want.EndpointId], taken));
                ids.AddRange(taken);
            }
            rest.Add(want with { Max = want.Max - taken.Count });
        }
        if (ids.Count == 0)
        {
            return rest;
        }
        IReadOnlyList<ClaimedDelivery> offered;
        try
        {
            offered = await _store.TakeOffersAsync(_nodeId, ids, cancellationToken);
        }
        catch
        {
            // Not read: they wait again, still leased here, for a later round.
            foreach (var (state, taken) in takenBy)
            {
                if (QueueOffers(state, taken) is { Count: > 0 } over)
                {
                    _ = GiveBackOffersAsync(over);
                }
            }
            throw;
        }
        var now = _time.GetUtcNow();
        foreach (var delivery in offered)
        {
            Hold(delivery, states[delivery.Endpoint.Id], now, held);
        }
        if (offered.Count < ids.Count)
        {
            // Given back or taken over since they were offered: no longer this node's to send.
            var found = offered.Select(x => x.DeliveryId).ToHashSet();
            foreach (var id in ids.Where(id => !found.Contains(id)))
            {
                _offersKnown.TryRemove(id, out _);
            }
        }
        return rest;
    }

    private void Hold(ClaimedDelivery delivery, OwnedEndpointState state, DateTimeOffset now, List<HeldDelivery> held)
    {
        state.Update(delivery.Endpoint.Ordered, delivery.Endpoint.MaxConcurrency ?? _options.MaxConcurrencyPerEndpoint, delivery.ThrottleRate);
        state.AddHeld(1);
        state.LastActive = now;
        held.Add(new HeldDelivery(delivery, state));
    }

    private async Task AcquireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var arrivals = _signal.Arrivals;
        var sinceLast = now - _lastAcquire;
        if (arrivals == _arrivalsSeen && sinceLast < AcquireInterval)
        {
            return;
        }
        int limit;
        string[] exclude;
        lock (_ownedLock)
        {
            if (now.UtcTicks >= Interlocked.Read(ref _sendUntilTicks))
            {
                return;
            }
            // At most the share; but at least one even at it, since the share counts only endpoints
            // already owned: endpoints nobody owns (a dead node's, new ones) must still find a node.
            var share = ShareLocked();
            if (_owned.Count >= share && sinceLast < AtShareAcquireInterval)
            {
                // Not yet: the arrivals stay unseen, and a round is woken when the interval is up.
                WakeAfter(AtShareAcquireInterval - sinceLast);
                return;
            }
            limit = _owned.Count > share ? 0 : Math.Min(AcquireBatch, Math.Max(1, share - _owned.Count));
            foreach (var (id, until) in _handedOver.Where(x => x.Value <= now).ToList())
            {
                _handedOver.Remove(id);
            }
            exclude = [.. _handedOver.Keys, .. _owned.Keys];
        }
        _arrivalsSeen = arrivals;
        _lastAcquire = now;
        if (limit <= 0)
        {
            return;
        }
        Interlocked.Increment(ref _acquiring);
        try
        {
            var taken = await _store.AcquireEndpointsAsync(new OwnershipRequest
            {
                NodeId = _nodeId,
                Now = now,
                Lease = OwnershipLease,
                MaxEndpoints = limit,
                Exclude = exclude,
            }, cancellationToken);
            _acquiredSinceClaim |= taken.Count > 0;
            var sendUntil = (now + OwnershipLease - SendMargin).UtcTicks;
            lock (_ownedLock)
            {
                foreach (var endpoint in taken)
                {
                    _owned[endpoint.Id] = new OwnedEndpointState(endpoint.Id, endpoint.Ordered,
                        endpoint.MaxConcurrency ?? _options.MaxConcurrencyPerEndpoint, endpoint.ThrottleRate, now)
                    {
                        Taken = ++_taken,
                        TakenAt = now,
                        // Leased from now (the time the take began, however long its statement waited).
                        SendUntilTicks = sendUntil,
                    };
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _acquiring);
        }
    }

    /// <summary>
    /// Once a second: offers to this node made more than <see cref="LostOfferAge"/> ago that it never
    /// heard of (the notification was lost, or this node does not listen: a pooler in transaction
    /// mode) go back to pending, and are claimed. Run by the work loop between its rounds, never
    /// beside a take of offers, so an offer is never both taken here and put back.
    /// </summary>
    private async Task ReturnLostOffersAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - _lastLostOffers < PollInterval)
        {
            return;
        }
        _lastLostOffers = now;
        // Offers are leased for the lease duration from when they were made (the node that made them
        // is assumed to have the same setting): one whose lease ends this early was made that long ago.
        // Each call looks only at offers made since the last one looked (a backlog of offers waiting
        // here would otherwise be read every second); every LostOfferFullSweep all of them, for an
        // offer whose maker's clock ran behind this node's.
        var lease = _options.EffectiveLeaseDuration;
        var madeBefore = now + lease - LostOfferAge;
        var full = now - _lastFullLostOffers >= LostOfferFullSweep;
        var after = full ? (DateTimeOffset?)null : _lostOffersUpTo;
        // A stranded offer (to an owner this node took the endpoint from, committed just after the
        // take) was made by a node that read the previous owner before the take committed, and
        // committed after it: its lease ends about a lease duration after the take, by its maker's
        // clock, neither later than that nor, unless the maker stalled for more than the clock margin
        // between reading the owner and committing, earlier than the margin before it. So each look
        // covers only endpoints taken about a lease duration ago, and only leases that ended since
        // the last look or since the earliest such an offer could end. The full sweep looks
        // at every owned endpoint and every lease that ran out, for a maker that stalled. Once a second
        // over every owned endpoint and every lease that had run out, this statement was 10 % of
        // PostgreSQL's time with one node, all of it finding nothing: the leases' index holds an entry
        // for every delivery leased since the last vacuum, and a range over all that had ended read
        // through them.
        var takenSince = now - lease - OfferClockMargin - PollInterval;
        var takenUntil = now - lease + OfferClockMargin;
        List<OwnedEndpointState> looked;
        lock (_ownedLock)
        {
            looked = [.. _owned.Values.Where(x => full || (x.TakenAt > takenSince && x.TakenAt <= takenUntil))];
        }
        // Where each endpoint's look starts: where the last look left it, if that look covered it,
        // else where its earliest stranded offer could end.
        DateTimeOffset? strandedAfter = null;
        if (!full && looked.Count > 0)
        {
            strandedAfter = looked.Min(x => _strandedLookedAt is { } last && x.TakenAt <= last && x.TakenAt <= last - lease + OfferClockMargin
                ? last
                : x.TakenAt + lease - OfferClockMargin);
        }
        string[] owned = [.. looked.Select(x => x.Id)];
        // An offer in the window was made after (after - lease) by its maker's clock, so it was heard
        // of here after that, less the clock difference between nodes (OfferClockMargin): only those
        // known offers can be in the window. A full sweep sends them all.
        var heardSince = after is { } windowStart ? (windowStart - lease - OfferClockMargin).UtcTicks : long.MinValue;
        long[] known = [.. _offersKnown.Where(x => x.Value > heardSince).Select(x => x.Key)];
        if (await _store.ReturnLostOffersAsync(_nodeId, known, after, madeBefore, now, cancellationToken)
            + await _store.ReturnStrandedOffersAsync(_nodeId, owned, strandedAfter, now, cancellationToken) > 0)
        {
            _signal.Notify();
        }
        _lostOffersUpTo = madeBefore;
        _strandedLookedAt = now;
        if (full)
        {
            _lastFullLostOffers = now;
        }
    }

    /// <summary>Wakes the work loop once after <paramref name="delay"/>; at most one such wake-up waits at a time.</summary>
    private void WakeAfter(TimeSpan delay)
    {
        if (Interlocked.Exchange(ref _wakeScheduled, 1) == 1)
        {
            return;
        }
        _ = Task.Delay(delay, _time).ContinueWith(_ =>
        {
            Volatile.Write(ref _wakeScheduled, 0);
            _signal.Wake();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Gives up endpoints handed over (once nothing of theirs is held) or idle for a heartbeat.</summary>
    private async Task ReleaseIdleAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<string> release;
        List<long> giveBack = [];
        lock (_ownedLock)
        {
            // An endpoint being handed over takes no more offers: those waiting go back to pending
            // for the next owner to claim.
            foreach (var draining in _owned.Values.Where(x => x.Draining && x.Offered > 0))
            {
                giveBack.AddRange(TakeOffers(draining, int.MaxValue));
            }
            release = [.. _owned.Values
                .Where(x => x.Held == 0 && x.Unrecorded == 0 && x.Offered == 0 && (x.Draining || now - x.LastActive > HeartbeatInterval))
                .Select(x => x.Id)];
            foreach (var id in release)
            {
                // One handed over is left to the others a while: this node, at its share, would
                // otherwise take it straight back (it may always take one), and the node that
                // joined would never get it.
                if (_owned[id].Draining && !_handedOver.ContainsKey(id))
                {
                    _handedOver[id] = now + HandOverBackoff;
                }
                _owned.Remove(id);
            }
        }
        if (giveBack.Count > 0)
        {
            await GiveBackOffersAsync(giveBack);
        }
        if (release.Count > 0)
        {
            await _store.ReleaseEndpointsAsync(_nodeId, release, cancellationToken);
            // Another node may be waiting for one of them (a relay endpoint whose connection it holds).
            _signal.Notify();
        }
    }

    private async Task SendAsync(HeldDelivery held, CancellationToken stoppingToken)
    {
        var (delivery, state) = held;
        var entered = false;
        try
        {
            await state.EnterAsync(stoppingToken);
            entered = true;
            if (state.Rate is not null)
            {
                await WaitForSlotAsync(state, stoppingToken);
            }
            if (!MaySend(state))
            {
                // This node's lease on the endpoint ran out (or was never renewed in time): another node
                // may own it and will send this delivery; sending here could send it twice at once.
                Log.OwnershipLost(_logger, delivery.DeliveryId, delivery.Endpoint.Id);
                // Give it back unsent. If another node took the endpoint, it has already put the row
                // back and leased it again under a new token, and this does nothing; if nobody has
                // (the heartbeat was only late), the row would otherwise stay leased to this node,
                // which claims only pending rows, and an ordered endpoint would wait behind it.
                await _store.ReleaseAsync(delivery.DeliveryId, delivery.LeaseToken, _time.GetUtcNow(), CancellationToken.None);
                _offersKnown.TryRemove(delivery.DeliveryId, out _);
                Interlocked.Increment(ref _dueChanges);
                return;
            }
            // An attempt that started is allowed to finish even during shutdown; its timeout bounds it.
            using var activity = HooklineTelemetry.StartAttempt(delivery.Message.TraceParent, delivery.Message.Id, delivery.Endpoint.Id, delivery.AttemptCount + 1);
            var result = await _sender.SendAsync(delivery, CancellationToken.None);
            if (result.Release)
            {
                // A relay endpoint whose connection another node holds: give the delivery back unsent
                // (no attempt, the count unchanged), give the endpoint up and leave it to the holder a while.
                await _store.ReleaseAsync(delivery.DeliveryId, delivery.LeaseToken, _time.GetUtcNow() + RelayReleaseDelay, CancellationToken.None);
                _offersKnown.TryRemove(delivery.DeliveryId, out _);
                Interlocked.Increment(ref _dueChanges);
                lock (_ownedLock)
                {
                    state.Draining = true;
                    _handedOver[state.Id] = _time.GetUtcNow() + HandOverBackoff;
                }
                return;
            }
            var outcome = Outcome(result);
            _metrics.AttemptMade(outcome, result.Duration);
            if (activity is not null)
            {
                activity.SetTag("hookline.delivery.outcome", outcome);
                if (result.StatusCode > 0)
                {
                    activity.SetTag("http.response.status_code", result.StatusCode);
                }
                if (!result.IsSuccess)
                {
                    activity.SetStatus(ActivityStatusCode.Error, result.Error ?? $"HTTP {result.StatusCode}");
                }
            }
            state.AddUnrecorded();
            Interlocked.Increment(ref _unrecorded);
            _completions.Writer.TryWrite((new RecordedDelivery(delivery, Decide(delivery, result)), state));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down before a slot came: given back unsent when the dispatcher stops.
            _unsent.Enqueue(delivery);
        }
        catch (Exception ex)
        {
            Log.SendFailed(_logger, delivery.DeliveryId, ex);
        }
        finally
        {
            if (entered)
            {
                state.Exit();
            }
            if (state.RemoveHeld())
            {
                // Room for a batch again: claim more for this endpoint.
                _signal.Wake();
            }
        }
    }

    /// <summary>
    /// Waits for the endpoint's next throttle slot. A slot missed by more than the tolerance (this
    /// node stalled) is let go and another booked, so missed slots are never sent together.
    /// </summary>
    private async Task WaitForSlotAsync(OwnedEndpointState state, CancellationToken stoppingToken)
    {
        while (true)
        {
            var slot = state.BookSlot(_time.GetUtcNow());
            var wait = slot - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, stoppingToken);
            }
            if (_time.GetUtcNow() - slot <= SlotTolerance)
            {
                return;
            }
            Log.SlotMissed(_logger, state.Id);
        }
    }

    /// <summary>A delivery leased here, with the state of its endpoint's ownership it was leased under.</summary>
    private readonly record struct HeldDelivery(ClaimedDelivery Delivery, OwnedEndpointState State);

    /// <summary>The <c>outcome</c> label: a few fixed values, never the status code or the error text.</summary>
    private static string Outcome(AttemptResult result) =>
        result.IsSuccess ? "success"
        : result.StatusCode > 0 ? "http_error"
        : result.Error == AttemptSender.TimeoutMessage ? "timeout"
        : "network_error";

    private DeliveryCompletion Decide(ClaimedDelivery delivery, AttemptResult result)
    {
        var attemptsMade = delivery.AttemptCount + 1;
        var attempt = new MessageAttempt
        {
            Id = HooklineIds.New(HooklineIds.Attempt, result.StartedAt),
            MessageId = delivery.Message.Id,
            EndpointId = delivery.Endpoint.Id,
            AppId = delivery.Message.AppId,
            Url = delivery.Endpoint.Url,
            Status = result.IsSuccess ? MessageStatus.Success : MessageStatus.Fail,
            ResponseStatusCode = result.StatusCode,
            Response = result.Response.Length > 0 || result.Error is null ? result.Response : result.Error,
            ResponseDurationMs = (int)Math.Min(int.MaxValue, result.Duration.TotalMilliseconds),
            Timestamp = result.StartedAt,
            TriggerType = delivery.Trigger,
            Error = result.Error,
        };
        if (result.IsSuccess)
        {
            return Completion(DeliveryOutcome.Succeeded, null);
        }
        if (result.StatusCode == 410)
        {
            // 410 Gone: the receiver says this endpoint no longer exists.
            return Completion(DeliveryOutcome.Failed, null, disable: true);
        }
        if (delivery.Message.Payload is null)
        {
            return Completion(DeliveryOutcome.Failed, null);
        }
        var delay = _schedule.NextDelay(attemptsMade, Random.Shared);
        if (delay is null)
        {
            return Completion(DeliveryOutcome.Failed, null);
        }
        if (result.RetryAfter is { } retryAfter)
        {
            // Honour the receiver's Retry-After when it asks for more time than the schedule gives,
            // but never beyond the configured cap, so one header cannot park a delivery for days.
            var capped = retryAfter < _options.MaxRetryAfter ? retryAfter : _options.MaxRetryAfter;
            delay = capped > delay ? capped : delay;
        }
        return Completion(DeliveryOutcome.Retry, _time.GetUtcNow() + delay.Value);

        DeliveryCompletion Completion(DeliveryOutcome outcome, DateTimeOffset? next, bool disable = false) => new()
        {
            DeliveryId = delivery.DeliveryId,
            LeaseToken = delivery.LeaseToken,
            Attempt = attempt,
            Outcome = outcome,
            NextAttemptAt = next,
            DisableEndpoint = disable,
            DisableAfter = _options.DisableAfter,
        };
    }

    private async Task RecordCompletionsAsync()
    {
        var reader = _completions.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            // Sized by what is queued: at full capacity every small batch allocated room for 500, and
            // that was 7 % of what the server allocated while forwarding ingest at 2,000 req/s.
            var size = Math.Clamp(reader.CanCount ? reader.Count : 1, 1, CompletionBatchSize);
            var batch = new List<RecordedDelivery>(size);
            var states = new List<OwnedEndpointState>(size);
            Drain();
            // A small batch while sends are running waits a little for their outcomes: each batch costs
            // the store a fixed amount besides its rows, and a node with a share of the work (one of
            // several) otherwise wrote a third of the rows per batch, three times as many batches. Not
            // when an ordered endpoint's outcome is in it, whose next delivery waits for the record.
            for (var waited = 0; waited < CompletionLingerSteps && batch.Count < CompletionLingerBelow
                && (_loop?.InFlight ?? 0) > 0 && !states.Exists(x => x.Ordered); waited++)
            {
                await Task.Delay(CompletionLingerStep, _time, CancellationToken.None);
                Drain();
            }
            IReadOnlyList<EndpointDisabled> disabled;
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                try
                {
                    disabled = await _store.CompleteAsync(batch.ConvertAll(x => x.Completion), CancellationToken.None);
                    break;
                }
                catch (Exception ex)
                {
                    // Keep trying: dropping a completion would only cause a duplicate send after the
                    // lease expires, but recording it is what keeps the attempt log complete.
                    Log.RecordFailed(_logger, batch.Count, ex);
                    await Task.Delay(delay, _time, CancellationToken.None);
                    delay = delay < TimeSpan.FromSeconds(5) ? delay * 2 : delay;
                }
            }
            foreach (var state in states)
            {
                state.RemoveUnrecorded();
            }
            Interlocked.Increment(ref _dueChanges);
            if (!_offersKnown.IsEmpty)
            {
                foreach (var recorded in batch)
                {
                    _offersKnown.TryRemove(recorded.Completion.DeliveryId, out _);
                }
            }
            Interlocked.Add(ref _unrecorded, -states.Count);
            // Ordered endpoints' next deliveries are heads now, and retries are booked: claim again.
            _signal.Wake();
            await NotifyObserversAsync(new RecordedBatch(batch, disabled));

            void Drain()
            {
                while (batch.Count < CompletionBatchSize && reader.TryRead(out var item))
                {
                    batch.Add(item.Recorded);
                    states.Add(item.State);
                }
            }
        }
    }

    private async Task NotifyObserversAsync(RecordedBatch batch)
    {
        foreach (var observer in _observers)
        {
            try
            {
                // Not cancelled on shutdown: the recorder drains before the dispatcher stops, and
                // what it recorded is still reported.
                await observer.OnRecordedAsync(batch, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Claiming deliveries failed; retrying shortly")]
        public static partial void ClaimFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Error, "Sending delivery {DeliveryId} failed unexpectedly; its lease will expire and it will be retried")]
        public static partial void SendFailed(ILogger logger, long deliveryId, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "Recording {Count} delivery outcomes failed; retrying")]
        public static partial void RecordFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "Delivery observer {Observer} failed on a recorded batch")]
        public static partial void ObserverFailed(ILogger logger, string observer, Exception exception);

        [LoggerMessage(5, LogLevel.Debug, "A delivery to throttled endpoint {EndpointId} missed its slot; booking another")]
        public static partial void SlotMissed(ILogger logger, string endpointId);

        [LoggerMessage(6, LogLevel.Warning, "Delivery {DeliveryId} not sent: this node's lease on endpoint {EndpointId} ran out; the endpoint's next owner sends it")]
        public static partial void OwnershipLost(ILogger logger, long deliveryId, string endpointId);

        [LoggerMessage(7, LogLevel.Warning, "Renewing this node's endpoints failed; retrying")]
        public static partial void HeartbeatFailed(ILogger logger, Exception exception);

        [LoggerMessage(8, LogLevel.Warning, "Handing endpoints over on shutdown failed; other nodes take them when the lease runs out")]
        public static partial void HandOverFailed(ILogger logger, Exception exception);

        [LoggerMessage(10, LogLevel.Warning, "Giving {Count} offered deliveries back failed; they go back to pending within seconds")]
        public static partial void OffersNotReturned(ILogger logger, int count, Exception exception);

        [LoggerMessage(11, LogLevel.Information, "Handing endpoint {EndpointId} over: this node owns {Owned}, above its share of {Share} ({OwnedByLiveNodes} endpoints owned over {LiveNodes} live nodes); {Held} held, {Offered} offers waiting")]
        public static partial void HandingOver(ILogger logger, string endpointId, int owned, int share, int ownedByLiveNodes, int liveNodes, int held, int offered);

        [LoggerMessage(9, LogLevel.Warning, "{Count} endpoint(s) were owned by this node in the database but not in memory; given up so that another owner sends to them")]
        public static partial void OrphansReleased(ILogger logger, int count);
    }
}
