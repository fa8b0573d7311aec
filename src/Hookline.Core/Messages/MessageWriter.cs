using System.Threading.Channels;
using Hookline.Core.Delivery;
using Hookline.Core.Diagnostics;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Microsoft.Extensions.Hosting;

namespace Hookline.Core.Messages;

/// <summary>
/// Group commit for new messages: concurrent API requests are written together in one store
/// transaction, and each request returns only after that transaction committed. One durable commit
/// per batch instead of one per message is what lets a single SQLite file accept thousands of
/// messages a second while keeping "accepted means durable". A delivery to an endpoint this node's
/// dispatcher owns is inserted already leased to it and handed to it after the commit
/// (<see cref="IDeliveryHandOff"/>): it is sent without being claimed or read back.
/// </summary>
public sealed class MessageWriter : BackgroundService
{
    private const int MaxBatch = 512;

    private readonly IMessageStore _store;
    private readonly DeliverySignal _signal;
    private readonly HooklineMetrics _metrics;
    private readonly Lazy<IDeliveryHandOff?> _handOff;
    private readonly TimeProvider _time;
    private readonly TimeSpan _offerLease;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <param name="handOff">The node's dispatcher, asked on first use (it depends on the writer through operational webhooks); null for none.</param>
    /// <param name="time">The clock offers are leased by.</param>
    /// <param name="offerLease">How long a delivery offered to a node stays leased to it if that node never hears of it.</param>
    internal MessageWriter(IMessageStore store, DeliverySignal signal, HooklineMetrics metrics, Func<IDeliveryHandOff?>? handOff = null,
        TimeProvider? time = null, TimeSpan? offerLease = null)
    {
        _store = store;
        _signal = signal;
        _metrics = metrics;
        _handOff = new Lazy<IDeliveryHandOff?>(handOff ?? (static () => null));
        _time = time ?? TimeProvider.System;
        _offerLease = offerLease ?? new DeliveryOptions().EffectiveLeaseDuration;
    }

    /// <summary>Writes one message and its deliveries; completes once durable.</summary>
    public Task<MessageInsertResult> WriteAsync(NewMessage message, CancellationToken cancellationToken) =>
        WriteAsync(message, handOff: null, cancellationToken);

    /// <summary>Writes one message and its deliveries; completes once durable.</summary>
    /// <param name="handOff">
    /// The matched endpoints (among the message's) whose delivery may be handed to this node's
    /// dispatcher if it owns them: due now, unordered and unthrottled (the application's rate
    /// included). Null for none.
    /// </param>
    internal Task<MessageInsertResult> WriteAsync(NewMessage message, IReadOnlyList<Endpoint>? handOff, CancellationToken cancellationToken)
    {
        var pending = new Pending(message, handOff, new TaskCompletionSource<MessageInsertResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("Hookline is shutting down and no longer accepts messages.");
        }
        // The caller may stop waiting, but once queued the message is written regardless: the client
        // might have given up, yet it must never be half-accepted.
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        var reader = _queue.Reader;
        // Drain whatever is queued even after stop was requested, so accepted requests are answered.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            await FlushAsync(batch);
            batch.Clear();
            if (stoppingToken.IsCancellationRequested && !reader.TryPeek(out _))
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task FlushAsync(List<Pending> batch)
    {
        var messages = batch.ConvertAll(p => p.Message);
        var reserved = Reserve(batch, messages);
        IReadOnlyList<MessageInsertResult> results;
        try
        {
            results = await _store.InsertMessagesAsync(messages, CancellationToken.None);
        }
        catch (Exception ex)
        {
            reserved.ForEach(r => _handOff.Value!.Cancel(r.State));
            foreach (var p in batch)
            {
                p.Completion.TrySetException(ex);
            }
            return;
        }
        var handedOver = 0;
        try
        {
            var created = 0;
            var pending = 0;
            var offers = new Dictionary<(string NodeId, string EndpointId), List<long>>();
            for (var i = 0; i < batch.Count; i++)
            {
                if (results[i].Outcome == MessageInsertOutcome.Created)
                {
                    created++;
                    pending += messages[i].EndpointIds.Count - results[i].Leased.Count - results[i].Offered.Count;
                    foreach (var (endpointId, deliveryId, nodeId) in results[i].Offered)
                    {
                        if (!offers.TryGetValue((nodeId, endpointId), out var ids))
                        {
                            offers[(nodeId, endpointId)] = ids = [];
                        }
                        ids.Add(deliveryId);
                    }
                }
                batch[i].Completion.TrySetResult(results[i]);
            }
            _metrics.MessageAccepted(created);
            // Rows leased to the nodes that own their endpoints: only those nodes are told, with the rows
            // (this one in process, when its endpoints had no room for a hand-off).
            foreach (var ((nodeId, endpointId), ids) in offers)
            {
                _signal.Offer(new DeliveryOffer(nodeId, endpointId, ids));
            }
            for (var r = 0; r < reserved.Count; r++)
            {
                var (index, endpoint, state) = reserved[r];
                handedOver = r + 1;
                var leased = results[index].Leased.FirstOrDefault(x => x.EndpointId == endpoint.Id);
                if (leased.EndpointId is null)
                {
                    // A duplicate, or the endpoint's ownership ended before the insert: the row (if any) is pending.
                    _handOff.Value!.Cancel(state);
                    continue;
                }
                await _handOff.Value!.DeliverAsync(state, new ClaimedDelivery
                {
                    DeliveryId = leased.DeliveryId,
                    LeaseToken = messages[index].Lease!.Token,
                    AttemptCount = 0,
                    Trigger = AttemptTrigger.Scheduled,
                    ThrottleRate = null,
                    Message = messages[index].Message,
                    Endpoint = endpoint,
                });
            }
            if (pending > 0)
            {
                // Only what went in pending needs a claim, here or on another node.
                _signal.Notify();
            }
        }
        catch (Exception ex)
        {
            // Committed already, so nothing is lost; keep the writer running. A delivery inserted leased
            // and not handed over waits until its endpoint is next taken (after this node gives it up),
            // which puts it back to pending.
            foreach (var (_, _, state) in reserved.Skip(handedOver))
            {
                _handOff.Value!.Cancel(state);
            }
            foreach (var p in batch)
            {
                p.Completion.TrySetException(ex);
            }
            _signal.Notify();
        }
    }

    /// <summary>
    /// Reserves the dispatcher's room for the batch's deliveries it can take, and marks them to be
    /// inserted leased; marks the rest of the deliveries that could be handed off to be offered to
    /// their endpoint's owner, this node included when the endpoint had no room (replacing the batch's
    /// messages in <paramref name="messages"/>). An endpoint with offers already waiting gets no
    /// reservation, so what arrives later never goes ahead of them.
    /// </summary>
    private List<(int Index, Endpoint Endpoint, OwnedEndpointState State)> Reserve(List<Pending> batch, List<NewMessage> messages)
    {
        var reserved = new List<(int, Endpoint, OwnedEndpointState)>();
        if (!batch.Exists(p => p.HandOff is { Count: > 0 }))
        {
            return reserved;
        }
        var handOff = _handOff.Value;
        var lease = handOff?.Lease();
        // Without a lease of its own (no dispatcher here, or its heartbeat is late) a node still offers
        // to the others; the lease then only names this node, which an offer never goes to.
        var offerLease = lease ?? new DeliveryLease(_signal.NodeId, "", _time.GetUtcNow(), _time.GetUtcNow() + _offerLease);
        for (var i = 0; i < batch.Count; i++)
        {
            List<string>? leased = null;
            List<string>? offered = null;
            foreach (var endpoint in batch[i].HandOff ?? [])
            {
                if (lease is not null && handOff!.TryReserve(endpoint) is { } state)
                {
                    reserved.Add((i, endpoint, state));
                    (leased ??= []).Add(endpoint.Id);
                }
                else
                {
                    (offered ??= []).Add(endpoint.Id);
                }
            }
            messages[i] = messages[i] with { Lease = leased is null ? offerLease : lease, LeasedEndpointIds = leased, OfferEndpointIds = offered };
        }
        return reserved;
    }

    private sealed record Pending(NewMessage Message, IReadOnlyList<Endpoint>? HandOff, TaskCompletionSource<MessageInsertResult> Completion);
}
