using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Core.Delivery;

/// <summary>
/// Told what the dispatcher has recorded, so that features built on delivery outcomes (operational
/// webhooks) subscribe to the engine instead of the engine calling them. Every registered observer
/// is called in turn by the dispatcher's recorder, after each batch of outcomes is committed.
/// </summary>
/// <remarks>
/// The recorder waits for an observer before it records the next batch, so an observer must be
/// quick (or hand its work on). An exception from <see cref="OnRecordedAsync"/> is logged and
/// changes nothing for delivery.
/// </remarks>
internal interface IDeliveryObserver
{
    /// <summary>
    /// Called once when the dispatcher starts, before it claims anything. An exception stops the
    /// dispatcher, as a store that cannot be reached at start would.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Called after one batch of outcomes was committed, with what it disabled.</summary>
    Task OnRecordedAsync(RecordedBatch batch, CancellationToken cancellationToken);
}

/// <summary>One recorded outcome: the delivery as it was claimed and what was decided for it.</summary>
internal readonly record struct RecordedDelivery(ClaimedDelivery Delivery, DeliveryCompletion Completion);

/// <summary>
/// One batch of outcomes committed together, and the endpoints that batch disabled (410 Gone, or
/// failing longer than <see cref="DeliveryOptions.DisableAfter"/>).
/// </summary>
internal sealed record RecordedBatch(IReadOnlyList<RecordedDelivery> Deliveries, IReadOnlyList<EndpointDisabled> DisabledEndpoints);
