using System.Text.Json.Serialization;

namespace Hookline.Receiver.AspNetCore;

/// <summary>
/// The inbox as an operator sees it: what is waiting, running, handled or dead, and requeueing of
/// dead letters. Inject it anywhere (an admin page, a CLI command, a health check), or expose it
/// with <c>MapWebhookInbox</c>.
/// </summary>
public interface IWebhookInbox
{
    /// <summary>Lists events newest first.</summary>
    /// <param name="status">Only events in this state; all when <see langword="null"/>.</param>
    /// <param name="webhook">Only events of this webhook; all when <see langword="null"/>.</param>
    /// <param name="limit">Most events returned (1 to 500).</param>
    /// <param name="before">Only events with a smaller id: pass the last id of the previous page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events, without bodies.</returns>
    Task<IReadOnlyList<WebhookInboxEntry>> ListAsync(WebhookInboxStatus? status = null, string? webhook = null, int limit = 50, long? before = null, CancellationToken cancellationToken = default);

    /// <summary>Lists dead letters (events whose every attempt failed), newest first.</summary>
    /// <param name="webhook">Only dead letters of this webhook; all when <see langword="null"/>.</param>
    /// <param name="limit">Most events returned (1 to 500).</param>
    /// <param name="before">Only events with a smaller id: pass the last id of the previous page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letters, each with its last error.</returns>
    Task<IReadOnlyList<WebhookInboxEntry>> ListDeadLettersAsync(string? webhook = null, int limit = 50, long? before = null, CancellationToken cancellationToken = default);

    /// <summary>Gets one event.</summary>
    /// <param name="id">The inbox id (<see cref="WebhookEvent.InboxId"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The event, or <see langword="null"/> when there is none with that id.</returns>
    Task<WebhookInboxEntry?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a dead (or already handled) event again: it becomes pending at once with a fresh attempt count.
    /// </summary>
    /// <param name="id">The inbox id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="false"/> when the event does not exist or is pending or running already.</returns>
    Task<bool> RequeueAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Runs every dead letter again (of one webhook, or all).</summary>
    /// <param name="webhook">Only dead letters of this webhook; all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>How many were requeued.</returns>
    Task<int> RequeueDeadLettersAsync(string? webhook = null, CancellationToken cancellationToken = default);

    /// <summary>Counts events by state.</summary>
    /// <param name="webhook">Only events of this webhook; all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    Task<WebhookInboxCounts> CountAsync(string? webhook = null, CancellationToken cancellationToken = default);
}

/// <summary>Where an inbox event stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WebhookInboxStatus>))]
public enum WebhookInboxStatus
{
    /// <summary>Waiting for its first run or its next retry.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>A handler is running it.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Handled.</summary>
    [JsonStringEnumMemberName("done")]
    Done,

    /// <summary>Dead letter: every attempt failed; requeue it to run it again.</summary>
    [JsonStringEnumMemberName("dead")]
    Dead,
}

/// <summary>One inbox event as an operator sees it.</summary>
/// <param name="Id">The inbox id.</param>
/// <param name="Webhook">The webhook's name.</param>
/// <param name="DeliveryId">The provider's delivery id, or the body hash.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Attempts">Attempts started so far.</param>
/// <param name="ReceivedAt">When it was received.</param>
/// <param name="LastAttemptAt">When the last attempt started.</param>
/// <param name="NextAttemptAt">Pending: when it runs next. Running: when its lease runs out.</param>
/// <param name="CompletedAt">When it was handled or dead-lettered.</param>
/// <param name="LastError">Why the last failed attempt failed.</param>
/// <param name="BodyLength">The body size in bytes.</param>
public sealed record WebhookInboxEntry(
    long Id,
    string Webhook,
    string DeliveryId,
    WebhookInboxStatus Status,
    int Attempts,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? CompletedAt,
    string? LastError,
    int BodyLength);

/// <summary>Inbox events by state.</summary>
/// <param name="Pending">Waiting to run.</param>
/// <param name="Running">Running now.</param>
/// <param name="Done">Handled and kept for deduplication.</param>
/// <param name="Dead">Dead letters.</param>
public sealed record WebhookInboxCounts(long Pending, long Running, long Done, long Dead);
