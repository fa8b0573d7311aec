using Hookline.Core.Work;

namespace Hookline.Core.Delivery;

/// <summary>
/// Wakes the dispatcher the moment new work commits, so the hot path never waits for a poll.
/// Notifications coalesce: many notifies before one wait wake it once. A multi-node store adds its
/// own cross-node wake-up (PostgreSQL LISTEN/NOTIFY) by calling <see cref="Notify"/> too.
/// </summary>
/// <remarks>
/// Two kinds of wake-up: work arrived (<see cref="Notify"/>, <see cref="NotifyLocal"/>: new messages,
/// a resend, another node's notification), after which the dispatcher also looks for endpoints it
/// does not own yet; and <see cref="Wake"/>, the dispatcher's own (a slot freed, outcomes recorded),
/// after which it only claims for the endpoints it owns. <see cref="Arrivals"/> tells them apart.
/// </remarks>
public sealed class DeliverySignal : WakeSignal
{
    private long _arrivals;

    /// <summary>
    /// This node's identity in the engine: the owner recorded in <c>endpoint_owners</c> and the
    /// address of the offers other nodes make it. One per signal, so one per node.
    /// </summary>
    public string NodeId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Raised by <see cref="Offer"/>; a store that spans nodes carries the offer to its node (PostgreSQL NOTIFY).</summary>
    public event Action<DeliveryOffer>? Offered;

    /// <summary>Raised by <see cref="ReceiveOffer"/>; the dispatcher takes the offered deliveries.</summary>
    public event Action<DeliveryOffer>? OfferReceived;

    /// <summary>
    /// Deliveries this node just committed leased to the node that owns their endpoint: tells that
    /// node (after the commit) which rows are its own to send. An offer to this node itself (its
    /// endpoint had no room for a hand-off) is received here at once.
    /// </summary>
    public void Offer(DeliveryOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (offer.NodeId == NodeId)
        {
            ReceiveOffer(offer);
        }
        else
        {
            Offered?.Invoke(offer);
        }
    }

    /// <summary>An offer addressed to this node arrived (from another node's <see cref="Offer"/>).</summary>
    public void ReceiveOffer(DeliveryOffer offer)
    {
        OfferReceived?.Invoke(offer);
        Wake();
    }

    /// <summary>Raised after <see cref="Notify"/>; a store that spans nodes forwards it to the others.</summary>
    public event Action? Notified;

    /// <summary>How many times work arrived (here or on another node); grows with every <see cref="NotifyLocal"/>.</summary>
    public long Arrivals => Interlocked.Read(ref _arrivals);

    /// <summary>Work arrived on this node: wakes it and every other node.</summary>
    public void Notify()
    {
        NotifyLocal();
        Notified?.Invoke();
    }

    /// <summary>Work arrived, for this node's waiters only (used when the notification came from another node).</summary>
    public void NotifyLocal()
    {
        Interlocked.Increment(ref _arrivals);
        Wake();
    }
}

/// <summary>
/// Deliveries of one endpoint that a node inserted leased to the endpoint's owner, another node (see
/// <c>IDeliveryStore.TakeOffersAsync</c>).
/// </summary>
/// <param name="NodeId">The owner the rows are leased to.</param>
/// <param name="EndpointId">Their endpoint.</param>
/// <param name="DeliveryIds">The delivery rows.</param>
public sealed record DeliveryOffer(string NodeId, string EndpointId, IReadOnlyList<long> DeliveryIds);
