using Hookline.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Hookline.Receiver.AspNetCore.Internal;

internal sealed class WebhookInbox : IWebhookInbox
{
    private readonly InboxStoreHolder _store;
    private readonly InboxSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookInbox> _logger;

    public WebhookInbox(InboxStoreHolder store, InboxSignal signal, TimeProvider time, ILogger<WebhookInbox> logger)
    {
        _store = store;
        _signal = signal;
        _time = time;
        _logger = logger;
    }

    public async Task<IReadOnlyList<WebhookInboxEntry>> ListAsync(WebhookInboxStatus? status = null, string? webhook = null, int limit = 50, long? before = null, CancellationToken cancellationToken = default)
    {
        var store = await _store.GetAsync(cancellationToken);
        var items = await store.ListInboxItemsAsync(new InboxListQuery
        {
            Status = status is { } s ? ToStore(s) : null,
            Webhook = webhook,
            Limit = Math.Clamp(limit, 1, InboxListQuery.MaxLimit),
            Before = before,
        }, cancellationToken);
        return items.Select(ToEntry).ToArray();
    }

    public Task<IReadOnlyList<WebhookInboxEntry>> ListDeadLettersAsync(string? webhook = null, int limit = 50, long? before = null, CancellationToken cancellationToken = default) =>
        ListAsync(WebhookInboxStatus.Dead, webhook, limit, before, cancellationToken);

    public async Task<WebhookInboxEntry?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        var store = await _store.GetAsync(cancellationToken);
        return await store.GetInboxItemAsync(id, withBody: false, cancellationToken) is { } item ? ToEntry(item) : null;
    }

    public async Task<bool> RequeueAsync(long id, CancellationToken cancellationToken = default)
    {
        var store = await _store.GetAsync(cancellationToken);
        var requeued = await store.RequeueInboxItemAsync(id, _time.GetUtcNow(), cancellationToken);
        if (requeued)
        {
            _signal.Wake();
            _store.AnnounceWork(_logger);
        }
        return requeued;
    }

    public async Task<int> RequeueDeadLettersAsync(string? webhook = null, CancellationToken cancellationToken = default)
    {
        var store = await _store.GetAsync(cancellationToken);
        var count = await store.RequeueDeadInboxItemsAsync(webhook, _time.GetUtcNow(), cancellationToken);
        if (count > 0)
        {
            _signal.Wake();
            _store.AnnounceWork(_logger);
        }
        return count;
    }

    public async Task<WebhookInboxCounts> CountAsync(string? webhook = null, CancellationToken cancellationToken = default)
    {
        var store = await _store.GetAsync(cancellationToken);
        var counts = await store.CountInboxItemsAsync(webhook, cancellationToken);
        long Get(InboxStatus s) => counts.TryGetValue(s, out var n) ? n : 0;
        return new WebhookInboxCounts(Get(InboxStatus.Pending), Get(InboxStatus.Running), Get(InboxStatus.Done), Get(InboxStatus.Dead));
    }

    internal static WebhookInboxEntry ToEntry(InboxItem item) => new(
        item.Id, item.Webhook, item.DeliveryId, FromStore(item.Status), item.AttemptCount, item.ReceivedAt,
        item.LastAttemptAt, item.NextAttemptAt, item.CompletedAt, item.LastError, item.BodyLength);

    private static InboxStatus ToStore(WebhookInboxStatus status) => status switch
    {
        WebhookInboxStatus.Pending => InboxStatus.Pending,
        WebhookInboxStatus.Running => InboxStatus.Running,
        WebhookInboxStatus.Done => InboxStatus.Done,
        WebhookInboxStatus.Dead => InboxStatus.Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static WebhookInboxStatus FromStore(InboxStatus status) => status switch
    {
        InboxStatus.Pending => WebhookInboxStatus.Pending,
        InboxStatus.Running => WebhookInboxStatus.Running,
        InboxStatus.Done => WebhookInboxStatus.Done,
        _ => WebhookInboxStatus.Dead,
    };
}
