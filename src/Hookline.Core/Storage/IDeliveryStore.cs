using Hookline.Core.Model;

namespace Hookline.Core.Storage;

/// <summary>What a node asks for when it takes, renews or reports its endpoints.</summary>
public sealed record OwnershipRequest
{
    /// <summary>Identifies the node; ownership rows carry it.</summary>
    public required string NodeId { get; init; }
    public required DateTimeOffset Now { get; init; }

    /// <summary>How long ownership lasts without renewal: a node that dies loses its endpoints after this.</summary>
    public required TimeSpan Lease { get; init; }

    /// <summary>Most endpoints one acquisition takes.</summary>
    public int MaxEndpoints { get; init; } = 32;

    /// <summary>Endpoints not to take now (a relay endpoint whose connection another node holds).</summary>
    public IReadOnlyCollection<string> Exclude { get; init; } = [];
}

/// <summary>An endpoint a node owns, with the settings its in-memory limits need.</summary>
public sealed record OwnedEndpoint(string Id, bool Ordered, int? MaxConcurrency, int? ThrottleRate);

/// <summary>What a renewal found: the endpoints still owned, and how the work is spread across live nodes.</summary>
/// <param name="Owned">The endpoints this node still owns (ownership extended).</param>
/// <param name="LiveNodes">Nodes that renewed within their lease, this one included.</param>
/// <param name="OwnedByLiveNodes">Endpoints owned by any live node.</param>
public sealed record OwnershipRenewal(IReadOnlyList<string> Owned, int LiveNodes, int OwnedByLiveNodes)
{
    /// <summary>
    /// Some enabled endpoint has due work and no live owner (asked only when several nodes are live).
    /// The nodes below their share are about to take it, so no node needs to hand one over yet.
    /// </summary>
    public bool WorkUnowned { get; init; }
}

/// <summary>How many due deliveries of one owned endpoint a claim should lease.</summary>
public readonly record struct EndpointWant(string EndpointId, int Max);

/// <summary>A claim of due deliveries of endpoints the node owns.</summary>
public sealed record OwnedClaimRequest
{
    public required string NodeId { get; init; }
    public required DateTimeOffset Now { get; init; }

    /// <summary>How long each leased delivery row counts as being sent (for the backlog and for a later owner).</summary>
    public required TimeSpan LeaseDuration { get; init; }
    public required IReadOnlyList<EndpointWant> Wants { get; init; }
}

/// <summary>
/// Deliveries: the engine's queue, and what the API reads and requeues.
/// <para>
/// The engine works by endpoint ownership. A node owns whole endpoints for a lease it renews by
/// heartbeat; only the owner sends to an endpoint, so its concurrency limit, FIFO order and throttle
/// are kept in the owner's memory and hold across nodes without bookkeeping in the database. The
/// rules the store keeps (the compliance suite checks each):
/// </para>
/// <list type="bullet">
/// <item>an endpoint has at most one owner whose lease has not run out; an expired one may be taken by any node;</item>
/// <item>taking an endpoint over puts the deliveries the previous owner had leased back to pending, due at once
/// (the lost try counts as an attempt, so a message that crashes its node cannot loop forever);</item>
/// <item>a claim leases only due, pending deliveries of endpoints the claiming node owns with a live lease,
/// and of an ordered endpoint only the oldest unfinished delivery, and only when it is due;</item>
/// <item>disabled endpoints are neither taken nor claimed; their deliveries wait.</item>
/// </list>
/// </summary>
public interface IDeliveryStore
{
    /// <summary>
    /// Takes up to <see cref="OwnershipRequest.MaxEndpoints"/> enabled endpoints that have due work
    /// (pending deliveries due, or leased ones whose lease ran out) and no owner with a live lease, and
    /// puts the deliveries their previous owner had leased back to pending.
    /// </summary>
    Task<IReadOnlyList<OwnedEndpoint>> AcquireEndpointsAsync(OwnershipRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The heartbeat: records the node as live, extends the lease of every endpoint it still owns,
    /// and reports which those are and how many nodes and owned endpoints there are.
    /// </summary>
    Task<OwnershipRenewal> RenewOwnershipAsync(OwnershipRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Gives endpoints up (all of the node's, and its liveness record, when <paramref name="endpointIds"/> is null),
    /// so another node can take them at once.
    /// </summary>
    Task ReleaseEndpointsAsync(string nodeId, IReadOnlyCollection<string>? endpointIds, CancellationToken cancellationToken);

    /// <summary>
    /// Gives up those of <paramref name="endpointIds"/> whose lease is still the one
    /// <paramref name="renewal"/> wrote (<see cref="RenewOwnershipAsync"/>): endpoints the node owned in
    /// the database but not in memory when it looked. One it took again since (a new lease) is left alone.
    /// </summary>
    Task ReleaseOrphansAsync(OwnershipRequest renewal, IReadOnlyCollection<string> endpointIds, CancellationToken cancellationToken);

    /// <summary>
    /// Leases, for each wanted endpoint the node owns, up to its number of due pending deliveries
    /// (oldest due first; an ordered endpoint's head only), and returns them with what is needed to send.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimOwnedAsync(OwnedClaimRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Records attempts and moves their deliveries on, all in one transaction. A completion whose lease
    /// token no longer matches still records its attempt but leaves the delivery to the newer claim.
    /// Also keeps endpoint health: success clears <c>FailingSince</c>; failure sets it if unset, and
    /// disables the endpoint once it has been failing for <see cref="DeliveryCompletion.DisableAfter"/>.
    /// </summary>
    /// <returns>Endpoints this batch disabled (for operational webhooks).</returns>
    Task<IReadOnlyList<EndpointDisabled>> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a leased delivery back unsent: pending again, due at <paramref name="now"/>, its attempt
    /// count unchanged and no attempt recorded. Used for deliveries a node leased but will not send
    /// (it is stopping, or another node holds a relay connection). Does nothing when the lease token
    /// no longer matches.
    /// </summary>
    Task ReleaseAsync(long deliveryId, string leaseToken, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The deliveries among <paramref name="ids"/> still offered to <paramref name="nodeId"/>: inserted
    /// leased to it by the node that accepted their message, because it owned their endpoint then
    /// (<see cref="NewMessage.OfferEndpointIds"/>). Returned with what is needed to send them, under
    /// their lease token; a read, nothing is written. A row put back to pending since (its endpoint
    /// taken over, the offer given back), or whose endpoint is disabled, is left out.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> TakeOffersAsync(string nodeId, IReadOnlyList<long> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Gives offers back: those of <paramref name="ids"/> still offered to <paramref name="nodeId"/> go
    /// pending, due at <paramref name="now"/> (the node no longer owns their endpoint, is handing it
    /// over, is stopping, or holds too many offers of it already).
    /// </summary>
    Task ReleaseOffersAsync(string nodeId, IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Puts back to pending, due at <paramref name="now"/>, every delivery offered to
    /// <paramref name="nodeId"/> whose lease ends by <paramref name="leasedUntil"/> (so offered a while
    /// ago), and after <paramref name="leasedAfter"/> when given (what an earlier call looked at
    /// already), and that is not in <paramref name="known"/>: an offer whose notification never
    /// reached the node (it was not listening, or lost its connection). Returns how many.
    /// </summary>
    Task<int> ReturnLostOffersAsync(string nodeId, IReadOnlyCollection<long> known, DateTimeOffset? leasedAfter, DateTimeOffset leasedUntil, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Puts back to pending, due at <paramref name="now"/>, the deliveries of <paramref name="endpointIds"/>
    /// (endpoints <paramref name="nodeId"/> owns) offered to another node whose lease has run out: that node no longer
    /// owned the endpoint by the time it could have sent them (its owner died, or was taken over, as
    /// the offer committed), so nobody else will. With <paramref name="leasedAfter"/>, only those whose
    /// lease ended after it (what an earlier call looked at already is left out). Returns how many.
    /// </summary>
    Task<int> ReturnStrandedOffersAsync(string nodeId, IReadOnlyCollection<string> endpointIds, DateTimeOffset? leasedAfter, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The earliest time after <paramref name="after"/> at which a delivery of an enabled endpoint
    /// becomes due (a pending retry, or a lease that runs out), or null when there is none. Work
    /// already due but not claimable (its endpoint is at its concurrency limit, or it waits behind an
    /// ordered endpoint's head) is not reported: a completion frees it, and completions wake the
    /// dispatcher themselves. With <paramref name="before"/>, only times up to it are looked at: a
    /// caller that sleeps no longer than that anyway spares the database the rest of the range.
    /// </summary>
    Task<DateTimeOffset?> GetNextDueAsync(DateTimeOffset after, DateTimeOffset? before, CancellationToken cancellationToken);

    /// <summary>
    /// How many deliveries are due at <paramref name="now"/> and not being sent: pending ones whose
    /// time has come (endpoint enabled) and leased ones whose lease expired. The backlog metric.
    /// </summary>
    Task<long> CountDueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Endpoints a message went to, with its delivery state for each; ordered by endpoint id.</summary>
    Task<Page<(Endpoint Endpoint, DeliveryRecord Delivery)>> ListMessageDestinationsAsync(string appId, string messageId, ListQuery query, CancellationToken cancellationToken);

    /// <summary>Messages sent to one endpoint with their delivery state; newest first by message id.</summary>
    Task<Page<(Message Message, DeliveryRecord Delivery)>> ListEndpointMessagesAsync(string appId, string endpointId, MessageFilter filter, ListQuery query, bool withContent, CancellationToken cancellationToken);

    /// <summary>
    /// Queues a manual attempt of a message to an endpoint now, with a fresh retry schedule (the delivery row is created if the
    /// message never went there). False when the message or endpoint does not exist.
    /// </summary>
    Task<bool> ResendAsync(string appId, string messageId, string endpointId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Queues failed deliveries of an endpoint whose message was created in [since, until) again; returns how many.</summary>
    Task<int> RecoverFailedAsync(string appId, string endpointId, DateTimeOffset since, DateTimeOffset? until, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// One batch of replay-missing's walk: up to <paramref name="limit"/> messages of the application
    /// created in [<paramref name="since"/>, <paramref name="until"/>), after <paramref name="afterMessageId"/>
    /// when given, in id order, each with whether <paramref name="endpointId"/> already has a delivery of
    /// it. A read: a batch costs its own rows whatever the window holds.
    /// </summary>
    Task<IReadOnlyList<ReplayCandidate>> ListReplayCandidatesAsync(
        string appId, string endpointId, string? afterMessageId, DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Queues messages to an endpoint that never got them: one pending delivery each, due now (a manual
    /// trigger), skipping a message that has one for the endpoint by now. One short write transaction.
    /// Returns how many were queued, or null when the endpoint no longer exists (nothing is written).
    /// </summary>
    Task<int?> QueueMissingDeliveriesAsync(string appId, string endpointId, IReadOnlyList<string> messageIds, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Delivery counts by status for an endpoint, for messages created in [since, until).</summary>
    Task<EndpointStats> GetEndpointStatsAsync(string appId, string endpointId, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken);
}

public enum DeliveryOutcome
{
    /// <summary>2xx: the delivery is done.</summary>
    Succeeded = 0,

    /// <summary>Failed; try again at <see cref="DeliveryCompletion.NextAttemptAt"/>.</summary>
    Retry = 1,

    /// <summary>Failed and no tries left (or the endpoint answered 410).</summary>
    Failed = 2,
}

public sealed record DeliveryCompletion
{
    public required long DeliveryId { get; init; }
    public required string LeaseToken { get; init; }
    public required MessageAttempt Attempt { get; init; }
    public required DeliveryOutcome Outcome { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Disable the endpoint now (it answered 410 Gone).</summary>
    public bool DisableEndpoint { get; init; }
    public required TimeSpan DisableAfter { get; init; }
}

public sealed record EndpointDisabled(string AppId, string EndpointId, string? EndpointUid, DateTimeOffset FailingSince);

/// <summary>A message replay-missing looked at (see <see cref="IDeliveryStore.ListReplayCandidatesAsync"/>).</summary>
/// <param name="Delivered">The endpoint already has a delivery of it (sent, pending or failed).</param>
/// <param name="HasPayload">Its payload is still kept (not expunged or expired), so it can be sent.</param>
public sealed record ReplayCandidate(string MessageId, string EventType, IReadOnlyList<string>? Channels, bool Delivered, bool HasPayload);

public sealed record EndpointStats(long Success, long Pending, long Fail, long Sending, long Canceled);
