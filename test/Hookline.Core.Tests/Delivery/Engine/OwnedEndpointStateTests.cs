using Hookline.Core.Delivery;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>How many deliveries an owned endpoint keeps leased ahead of its slots.</summary>
public sealed class OwnedEndpointStateTests
{
    private long _clock;

    private OwnedEndpointState State(int limit, bool ordered = false, int? rate = null) =>
        new("ep_1", ordered, limit, rate, DateTimeOffset.UnixEpoch, () => _clock);

    /// <summary>Runs <paramref name="count"/> deliveries through the state, finishing them over <paramref name="milliseconds"/>.</summary>
    private List<bool> Finish(OwnedEndpointState state, int count, long milliseconds)
    {
        var wakes = new List<bool>();
        state.AddHeld(count);
        var start = _clock;
        for (var i = 0; i < count; i++)
        {
            _clock = start + (i + 1) * milliseconds / count;
            wakes.Add(state.RemoveHeld());
        }
        return wakes;
    }

    [Fact]
    public void Offers_KeptUpToTheRoomGiven_TakenOldestFirst_TheRestReturned()
    {
        var state = State(2);

        var over = state.AddOffers([1, 2, 3, 4, 5, 6, 7], room: 5);

        // What the node has no room for goes back (to pending, by the caller).
        Assert.Equal([6L, 7L], over);
        Assert.Equal(5, state.Offered);
        Assert.Equal([1L, 2L, 3L], state.TakeOffers(3));
        Assert.Equal(2, state.Offered);
        Assert.Equal([4L, 5L], state.TakeOffers(int.MaxValue));
        Assert.Empty(state.TakeOffers(1));
    }

    [Fact]
    public void Capacity_BeforeAnySend_IsTwiceTheConcurrency()
    {
        Assert.Equal(20, State(10).Capacity);
    }

    [Fact]
    public void Capacity_FastSends_GrowsToWhatOneWindowSent_UpToTheBound()
    {
        var state = State(10);

        // 60 sends finished within one window: the next window's worth is kept leased ahead.
        Finish(state, 60, OwnedEndpointState.RateWindowMilliseconds);
        Assert.Equal(60, state.Capacity);

        // Far faster: bounded by MaxPrefetchFactor × the concurrency.
        Finish(state, 5_000, OwnedEndpointState.RateWindowMilliseconds);
        Assert.Equal(OwnedEndpointState.MaxPrefetchFactor * 10, state.Capacity);
    }

    [Fact]
    public void Capacity_HighConcurrencyHangingEndpoint_HoldsItsSlotsAndFewMore()
    {
        var state = State(1_000);

        // Its receiver hangs: nothing finishes for seconds.
        _clock += 5_000;

        // 1,000 slots and 10 queued, not twice 1,000: the node's other endpoints keep most of its room.
        Assert.Equal(1_000 + OwnedEndpointState.MaxQueuedAhead, state.Capacity);
    }

    [Fact]
    public void Capacity_SlowOrHangingEndpoint_StaysAtTwiceTheConcurrency()
    {
        var state = State(10);

        // 10 sends over 5 seconds (a receiver that takes seconds to answer).
        Finish(state, 10, 5_000);

        Assert.Equal(20, state.Capacity);
    }

    [Fact]
    public void Capacity_AfterFastThenSlow_ShrinksBack()
    {
        var state = State(10);
        Finish(state, 5_000, OwnedEndpointState.RateWindowMilliseconds);
        Assert.Equal(100, state.Capacity);

        Finish(state, 4, 2_000);

        Assert.Equal(20, state.Capacity);
    }

    [Fact]
    public void Capacity_OrderedOrThrottled_IgnoresTheSendRate()
    {
        var ordered = State(10, ordered: true);
        var throttled = State(10, rate: 8);

        Finish(ordered, 5_000, OwnedEndpointState.RateWindowMilliseconds);
        Finish(throttled, 5_000, OwnedEndpointState.RateWindowMilliseconds);

        Assert.Equal(1, ordered.Capacity);
        Assert.Equal(4, throttled.Capacity);
    }

    [Fact]
    public void RemoveHeld_CapacityGrewWhileHeldIsBelowHalf_AsksForAClaim()
    {
        var state = State(10);
        state.AddHeld(40);
        var wakes = new List<bool>();
        // 35 finish within the window (held 40 → 5): it crosses 10, half of 20, once on the way.
        for (var i = 0; i < 35; i++)
        {
            wakes.Add(state.RemoveHeld());
        }
        Assert.Equal(1, wakes.Count(x => x));

        // The window closes on the next one: capacity 36, and held 4 is below its half, a mark it
        // never crossed, so this one asks for a claim.
        _clock += OwnedEndpointState.RateWindowMilliseconds;
        Assert.True(state.RemoveHeld());
        Assert.Equal(36, state.Capacity);
        Assert.Equal(32, state.Want);
    }
}
