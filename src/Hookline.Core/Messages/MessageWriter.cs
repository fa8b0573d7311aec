using System.Threading.Channels;
using Hookline.Core.Delivery;
using Hookline.Core.Diagnostics;
using Hookline.Core.Storage;
using Microsoft.Extensions.Hosting;

namespace Hookline.Core.Messages;

/// <summary>
/// Group commit for new messages: concurrent API requests are written together in one store
/// transaction, and each request returns only after that transaction committed. One durable commit
/// per batch instead of one per message is what lets a single SQLite file accept thousands of
/// messages a second while keeping "accepted means durable".
/// </summary>
public sealed class MessageWriter : BackgroundService
{
    private const int MaxBatch = 512;

    private readonly IMessageStore _store;
    private readonly DeliverySignal _signal;
    private readonly HooklineMetrics _metrics;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    internal MessageWriter(IMessageStore store, DeliverySignal signal, HooklineMetrics metrics)
    {
        _store = store;
        _signal = signal;
        _metrics = metrics;
    }

    /// <summary>Writes one message and its deliveries; completes once durable.</summary>
    public Task<MessageInsertResult> WriteAsync(NewMessage message, CancellationToken cancellationToken)
    {
        var pending = new Pending(message, new TaskCompletionSource<MessageInsertResult>(TaskCreationOptions.RunContinuationsAsynchronously));
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
        try
        {
            var results = await _store.InsertMessagesAsync(batch.ConvertAll(p => p.Message), CancellationToken.None);
            var created = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                created += results[i].Outcome == MessageInsertOutcome.Created ? 1 : 0;
                batch[i].Completion.TrySetResult(results[i]);
            }
            _metrics.MessageAccepted(created);
            _signal.Notify();
        }
        catch (Exception ex)
        {
            foreach (var p in batch)
            {
                p.Completion.TrySetException(ex);
            }
        }
    }

    private sealed record Pending(NewMessage Message, TaskCompletionSource<MessageInsertResult> Completion);
}
