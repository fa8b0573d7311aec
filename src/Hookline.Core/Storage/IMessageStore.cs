using Hookline.Core.Model;

namespace Hookline.Core.Storage;

/// <summary>A message to insert together with one pending delivery per endpoint id.</summary>
/// <param name="Ingest">
/// For a request received at an ingest URL: its log entry, written in the same transaction. When
/// the source already has an accepted request with the same <see cref="IngestRequestRecord.DedupeKey"/>,
/// only the log entry is written (as a duplicate pointing at the first message) and the result is
/// <see cref="MessageInsertOutcome.DuplicateDelivery"/>.
/// </param>
/// <param name="DeliverAt">When its deliveries first fall due (Svix <c>deliverAt</c>); null for at once.</param>
public sealed record NewMessage(Message Message, IReadOnlyList<string> EndpointIds, IngestRequestRecord? Ingest = null, DateTimeOffset? DeliverAt = null)
{
    /// <summary>
    /// Endpoints among <see cref="EndpointIds"/> whose delivery is inserted already leased under
    /// <see cref="Lease"/> (sending, as a claim would leave it) instead of pending, so that the node's
    /// dispatcher sends it without claiming it. Each is leased only if the lease's node owns the
    /// endpoint at the insert (a live row in <c>endpoint_owners</c>); otherwise it is inserted pending.
    /// Null or empty for none; ignored without <see cref="Lease"/>.
    /// </summary>
    public IReadOnlyList<string>? LeasedEndpointIds { get; init; }

    /// <summary>The lease for <see cref="LeasedEndpointIds"/> and <see cref="OfferEndpointIds"/>.</summary>
    public DeliveryLease? Lease { get; init; }

    /// <summary>
    /// Endpoints among <see cref="EndpointIds"/> (not in <see cref="LeasedEndpointIds"/>) whose delivery
    /// is inserted leased to the endpoint's owner when it has a live lease, as an offer
    /// (<see cref="MessageInsertResult.Offered"/>), so the owner sends it without a claim; pending
    /// otherwise. Whether the owner may be <see cref="Lease"/>'s own node (an endpoint it owns that had
    /// no room for a hand-off) is the store's choice: PostgreSQL's store offers to it, sparing the claim
    /// a row version and its round trips; SQLite's inserts such a row pending, to be claimed, which on
    /// one process costs less. Null or empty for none; ignored without <see cref="Lease"/>.
    /// </summary>
    public IReadOnlyList<string>? OfferEndpointIds { get; init; }
}

/// <summary>A lease a delivery is inserted under: the node that must own its endpoint, the token, and until when it holds.</summary>
/// <param name="Now">The time ownership is judged at (an owner row expiring after it is live).</param>
public sealed record DeliveryLease(string NodeId, string Token, DateTimeOffset Now, DateTimeOffset Until);

public enum MessageInsertOutcome
{
    Created = 0,

    /// <summary>Another message of the application already has this eventId; nothing was written.</summary>
    DuplicateEventId = 1,

    /// <summary>An ingest request whose delivery id the source already accepted; only its log entry was written.</summary>
    DuplicateDelivery = 2,
}

/// <summary>What one batch of the retention purge removed.</summary>
/// <param name="Messages">Messages removed, each with its attempts, deliveries and channel rows.</param>
/// <param name="IngestRequests">Ingest log entries removed.</param>
public sealed record HistoryPurge(int Messages, int IngestRequests);

public sealed record MessageInsertResult(MessageInsertOutcome Outcome, Message? Existing = null)
{
    /// <summary>
    /// For a created message with <see cref="NewMessage.LeasedEndpointIds"/>: the deliveries inserted
    /// leased (endpoint id and delivery id), in the order asked; an endpoint its node did not own is missing.
    /// </summary>
    public IReadOnlyList<(string EndpointId, long DeliveryId)> Leased { get; init; } = [];

    /// <summary>
    /// For a created message with <see cref="NewMessage.OfferEndpointIds"/>: the deliveries inserted
    /// leased to the node that owns their endpoint (this one or another), with that node; tell it
    /// (<c>DeliverySignal.Offer</c>) once committed.
    /// </summary>
    public IReadOnlyList<(string EndpointId, long DeliveryId, string NodeId)> Offered { get; init; } = [];
}

public interface IMessageStore
{
    /// <summary>
    /// Inserts messages and their deliveries, all in one transaction (a group commit: the API
    /// batches concurrent requests). Each message either lands whole with its deliveries or, on an
    /// eventId collision, not at all. When this returns, what was created is durable.
    /// </summary>
    Task<IReadOnlyList<MessageInsertResult>> InsertMessagesAsync(IReadOnlyList<NewMessage> messages, CancellationToken cancellationToken);

    /// <summary>By id or eventId.</summary>
    Task<Message?> GetMessageAsync(string appId, string idOrEventId, CancellationToken cancellationToken);

    /// <summary>Newest first unless the query says otherwise; ordered by id.</summary>
    Task<Page<Message>> ListMessagesAsync(string appId, MessageFilter filter, ListQuery query, bool withContent, CancellationToken cancellationToken);

    Task<bool> ExpungeMessageContentAsync(string appId, string messageId, CancellationToken cancellationToken);

    /// <summary>Removes payloads whose retention ended before <paramref name="now"/>; returns how many.</summary>
    Task<int> PurgeExpiredPayloadsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken);

    /// <summary>
    /// One batch of the retention purge: removes up to <paramref name="batchSize"/> messages created before
    /// <paramref name="before"/> whose deliveries are all finished (succeeded or failed), with their
    /// attempts, deliveries and channel rows, and up to <paramref name="batchSize"/> ingest log entries
    /// received before it. A message with a pending or sending delivery is kept, however old. Safe to run
    /// on several nodes at once: each message is removed (and uncounted from the endpoint stats) once.
    /// </summary>
    Task<HistoryPurge> PurgeHistoryAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken);
}
