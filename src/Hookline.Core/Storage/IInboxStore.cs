namespace Hookline.Core.Storage;

/// <summary>Where an inbox item stands. The values are stored; never renumber them.</summary>
public enum InboxStatus
{
    /// <summary>Waiting to run; due at <see cref="InboxItem.NextAttemptAt"/>.</summary>
    Pending = 1,

    /// <summary>Claimed by a worker; <see cref="InboxItem.NextAttemptAt"/> is when its lease runs out.</summary>
    Running = 3,

    /// <summary>The handler succeeded. Kept (for deduplication) until purged.</summary>
    Done = 4,

    /// <summary>Dead letter: every attempt failed. Kept until requeued.</summary>
    Dead = 5,
}

/// <summary>A verified webhook request to store in the inbox, exactly as received.</summary>
public sealed record NewInboxItem
{
    /// <summary>The name of the receiving webhook (one app may receive several).</summary>
    public required string Webhook { get; init; }

    /// <summary>The deduplication key within <see cref="Webhook"/>: the provider's delivery id, or a body hash.</summary>
    public required string DeliveryId { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }
    public required byte[] Body { get; init; }
    public string? Url { get; init; }
    public string Method { get; init; } = "POST";

    /// <summary>The timestamp the provider signed, when the scheme has one.</summary>
    public DateTimeOffset? VerifiedTimestamp { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>The outcome of an insert: the row's id, and whether it already existed (nothing was written then).</summary>
public sealed record InboxInsertResult(long Id, bool Duplicate, InboxStatus Status);

/// <summary>A stored inbox item. <see cref="Body"/> is empty when the read did not ask for it.</summary>
public sealed record InboxItem
{
    public required long Id { get; init; }
    public required string Webhook { get; init; }
    public required string DeliveryId { get; init; }
    public required InboxStatus Status { get; init; }

    /// <summary>Attempts started so far (a claim starts one).</summary>
    public required int AttemptCount { get; init; }

    /// <summary>Pending: when it is due. Running: when the lease runs out. Otherwise null.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The lease of the current claim, when running.</summary>
    public string? LeaseToken { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Why the last attempt failed, kept after a later success or a requeue for diagnostics.</summary>
    public string? LastError { get; init; }
    public DateTimeOffset? VerifiedTimestamp { get; init; }
    public string? Url { get; init; }
    public required string Method { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }
    public required byte[] Body { get; init; }
    public required int BodyLength { get; init; }
}

/// <summary>What a worker asks for when it claims inbox items.</summary>
public sealed record InboxClaimRequest
{
    public required DateTimeOffset Now { get; init; }

    /// <summary>How long the claim holds each item; it must outlast the handler's timeout.</summary>
    public required TimeSpan LeaseDuration { get; init; }

    /// <summary>Most items returned by one claim.</summary>
    public int MaxItems { get; init; } = 10;

    /// <summary>
    /// Attempts allowed in all. An item whose lease ran out on its last attempt (its process died, or
    /// the handler hung) is dead-lettered instead of being claimed again, so a handler that crashes
    /// the process cannot loop forever.
    /// </summary>
    public required int MaxAttempts { get; init; }

    /// <summary>Only items of these webhooks are claimed (the ones this process has handlers for).</summary>
    public required IReadOnlyCollection<string> Webhooks { get; init; }
}

public enum InboxOutcome
{
    /// <summary>The handler succeeded: the item is done.</summary>
    Succeeded = 0,

    /// <summary>The handler failed; try again at <see cref="InboxCompletion.NextAttemptAt"/>.</summary>
    Retry = 1,

    /// <summary>The handler failed on its last attempt: dead letter.</summary>
    Dead = 2,

    /// <summary>The attempt did not really happen (the worker stopped first): pending again at once, not counted.</summary>
    Released = 3,
}

public sealed record InboxCompletion
{
    public required long Id { get; init; }
    public required string LeaseToken { get; init; }
    public required InboxOutcome Outcome { get; init; }
    public required DateTimeOffset Now { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? Error { get; init; }
}

/// <summary>A list request: newest first by id, continuing below <see cref="Before"/>.</summary>
public sealed record InboxListQuery
{
    public const int MaxLimit = 500;

    public InboxStatus? Status { get; init; }
    public string? Webhook { get; init; }
    public int Limit { get; init; } = 50;

    /// <summary>Only items with a smaller id (the last id of the previous page).</summary>
    public long? Before { get; init; }
}

/// <summary>
/// The durable inbox of <c>Hookline.Receiver.AspNetCore</c>: verified webhook requests, deduplicated
/// by (webhook, delivery id), run by background workers under leases. This is the abstraction the
/// receiver library reaches a store through: each store package provides one
/// (<c>AddHooklineSqliteInbox</c>, <c>AddHooklinePostgresInbox</c>) and the application registers it.
/// The inbox owns its schema — its own tables and its own migration history, apart from the platform's
/// — so it can live in a file of its own or beside other tables in a database. The rules (checked by the
/// compliance suite):
/// <list type="bullet">
/// <item>an insert is durable when it returns; a second insert with the same (webhook, delivery id)
/// writes nothing and reports the existing row, however many race;</item>
/// <item>an item is claimable when pending and due, or running with an expired lease; no two claims
/// ever hold the same item with live leases;</item>
/// <item>a renewal or completion whose lease token no longer matches changes nothing and returns false,
/// so a worker that overran its lease cannot clobber a newer claim.</item>
/// </list>
/// </summary>
public interface IInboxStore
{
    /// <summary>
    /// Creates or upgrades the inbox's own tables, recorded in the inbox's own migration history
    /// (never the platform's). Keeps an inbox that an earlier release created (through the platform's
    /// steps) as it is, with its items. Safe to call from several processes at once.
    /// </summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells the other processes sharing this inbox that work is waiting (an item was stored or
    /// requeued), so that their workers need not wait for their next poll. Only a speed-up: a store
    /// that one process uses alone does nothing, and a lost announcement costs at most a poll interval.
    /// </summary>
    Task AnnounceWorkAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="onWork"/> whenever another process announces work (and once when it
    /// starts listening, for what was announced before), until <paramref name="cancellationToken"/> is
    /// cancelled. Throws when the connection it listens on fails; the caller listens again after a pause.
    /// A store that one process uses alone returns at once.
    /// </summary>
    Task ListenForWorkAsync(Action onWork, CancellationToken cancellationToken);

    Task<InboxInsertResult> InsertInboxItemAsync(NewInboxItem item, CancellationToken cancellationToken);

    /// <summary>Claims due items oldest-due first, starting an attempt on each; returned with bodies.</summary>
    Task<IReadOnlyList<InboxItem>> ClaimInboxItemsAsync(InboxClaimRequest request, CancellationToken cancellationToken);

    /// <summary>Extends a live claim; false when the lease was lost.</summary>
    Task<bool> RenewInboxLeaseAsync(long id, string leaseToken, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Records the outcome of an attempt; false (and no change) when the lease was lost.</summary>
    Task<bool> CompleteInboxItemAsync(InboxCompletion completion, CancellationToken cancellationToken);

    /// <summary>The earliest time after <paramref name="after"/> at which an item of these webhooks becomes claimable, or null.</summary>
    Task<DateTimeOffset?> GetNextInboxDueAsync(DateTimeOffset after, IReadOnlyCollection<string> webhooks, CancellationToken cancellationToken);

    Task<InboxItem?> GetInboxItemAsync(long id, bool withBody, CancellationToken cancellationToken);

    /// <summary>Items newest first (by id), without bodies.</summary>
    Task<IReadOnlyList<InboxItem>> ListInboxItemsAsync(InboxListQuery query, CancellationToken cancellationToken);

    /// <summary>Item counts by status, for one webhook or all.</summary>
    Task<IReadOnlyDictionary<InboxStatus, long>> CountInboxItemsAsync(string? webhook, CancellationToken cancellationToken);

    /// <summary>Makes one dead or done item pending again, due now, with a fresh attempt count. False when it is missing, pending or running.</summary>
    Task<bool> RequeueInboxItemAsync(long id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes every dead item (of one webhook, or all) pending again, due now, with fresh attempt counts; returns how many.</summary>
    Task<int> RequeueDeadInboxItemsAsync(string? webhook, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes done items completed before <paramref name="completedBefore"/> (their delivery ids stop deduplicating); returns how many.</summary>
    Task<int> PurgeDoneInboxItemsAsync(DateTimeOffset completedBefore, int batchSize, CancellationToken cancellationToken);
}
