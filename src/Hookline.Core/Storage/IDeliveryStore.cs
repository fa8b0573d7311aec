using Hookline.Core.Model;

namespace Hookline.Core.Storage;

/// <summary>What a dispatcher asks for when it claims work.</summary>
public sealed record ClaimRequest
{
    /// <summary>Identifies the claiming node (for diagnostics; leases are identified by token).</summary>
    public required string NodeId { get; init; }
    public required DateTimeOffset Now { get; init; }

    /// <summary>Most deliveries returned by one claim.</summary>
    public int MaxDeliveries { get; init; } = 100;
    public required TimeSpan LeaseDuration { get; init; }

    /// <summary>Requests in flight per endpoint when the endpoint sets no limit of its own.</summary>
    public int DefaultMaxConcurrency { get; init; } = 10;

    /// <summary>
    /// How far ahead of now a throttled endpoint's slots may be booked, by all claims together: with
    /// rate R, at most R × horizon deliveries (at least one) wait for their slot at any time, claimed
    /// with staggered <see cref="ClaimedDelivery.NotBefore"/> times.
    /// </summary>
    public TimeSpan ThrottleHorizon { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// The rules a claim obeys (the compliance suite checks each):
/// <list type="bullet">
/// <item>a delivery is due when pending with <c>next_attempt_at ≤ now</c>, or sending with an expired lease
/// (the lost try then counts as an attempt, so a message that crashes its node cannot loop forever);</item>
/// <item>no two claims ever hold the same delivery with live leases;</item>
/// <item>per endpoint, live leases never exceed its concurrency limit (ordered endpoints: 1, and only
/// the oldest unfinished delivery of the endpoint, so FIFO holds across retries);</item>
/// <item>per endpoint with a throttle rate (the endpoint's, else its application's), claimed deliveries
/// get <c>NotBefore</c> times spaced 1/rate apart, booked in the store so the rate holds across nodes;</item>
/// <item>disabled endpoints are not claimed; their deliveries wait.</item>
/// </list>
/// </summary>
public interface IDeliveryStore
{
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken);

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
    /// count unchanged and no attempt recorded. Used when a throttled delivery missed its booked slot;
    /// the next claim books it a new one. Does nothing when the lease token no longer matches.
    /// </summary>
    Task ReleaseAsync(long deliveryId, string leaseToken, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The earliest time after <paramref name="after"/> at which a delivery of an enabled endpoint
    /// becomes due (a pending retry, or a lease that runs out), or null when there is none. Work
    /// already due but not claimable (its endpoint is at its concurrency limit, or it waits behind an
    /// ordered endpoint's head) is not reported: a completion frees it, and completions wake the
    /// dispatcher themselves.
    /// </summary>
    Task<DateTimeOffset?> GetNextDueAsync(DateTimeOffset after, CancellationToken cancellationToken);

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
