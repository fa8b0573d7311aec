using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Core.Delivery;

/// <summary>
/// The node's dispatcher as the message writer sees it. A new message's delivery to an endpoint this
/// node owns is inserted already leased to this node and handed to the dispatcher once committed, so
/// it is sent without a claim and without reading the message back. A delivery it could not take here
/// is offered to the endpoint's owner if that is another node (<see cref="DeliverySignal.Offer"/>),
/// else inserted pending and claimed as usual; a crash loses nothing either way, since a leased row
/// is put back to pending when the endpoint is taken over.
/// </summary>
internal interface IDeliveryHandOff
{
    /// <summary>The lease one batch's reserved deliveries are inserted under; null when nothing can be handed over now.</summary>
    DeliveryLease? Lease();

    /// <summary>
    /// Reserves room for one delivery to <paramref name="endpoint"/> (as matched for the message):
    /// null when this node does not own it, or it is ordered, throttled, being handed to another node,
    /// or it or the node has no room.
    /// </summary>
    OwnedEndpointState? TryReserve(Endpoint endpoint);

    /// <summary>Sends a delivery that was inserted leased for <paramref name="reservation"/>.</summary>
    Task DeliverAsync(OwnedEndpointState reservation, ClaimedDelivery delivery);

    /// <summary>Gives a reservation back unused (the message was a duplicate, the write failed, or the row went in pending).</summary>
    void Cancel(OwnedEndpointState reservation);
}
