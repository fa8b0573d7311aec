using Hookline.Core.Messages;
using Hookline.Core.Storage;

namespace Hookline.Server.Tasks;

internal sealed partial class BackgroundTaskWorker
{
    /// <summary>
    /// Messages looked at per batch. Each batch is one read and, for the messages the endpoint never
    /// got, one short write; so a window of millions of messages never holds a write transaction
    /// longer than a batch takes, and progress is saved (with the lease renewed) after each.
    /// </summary>
    internal const int ReplayBatchSize = 500;

    /// <summary>
    /// Replay-missing (Svix <c>endpoint.replay</c>): sends the endpoint every message created in the
    /// window that it never got (no delivery row for it) and would take now — the matching rule of
    /// <see cref="MessageService.Receives"/>, so a disabled endpoint takes none. Messages whose payload
    /// is gone (expunged or expired) cannot be sent and are passed over.
    /// </summary>
    private async Task ReplayMissingAsync(BackgroundTask task, CancellationToken cancellationToken)
    {
        var data = BackgroundTasks.Deserialize<ReplayTaskData>(task.DataJson);
        if (data is null)
        {
            await _store.UpdateTaskAsync(task.Id, BackgroundTasks.Failed, task.DataJson, _time.GetUtcNow(), cancellationToken);
            return;
        }
        try
        {
            // Messages created after the request reached the endpoint (or not) by the ordinary fan-out.
            var until = data.Until ?? task.CreatedAt;
            while (true)
            {
                var endpoint = await _store.GetEndpointAsync(data.AppId, data.EndpointId, cancellationToken);
                if (endpoint is null)
                {
                    await FailAsync(task.Id, data with { Error = "The endpoint was deleted." });
                    return;
                }
                var batch = await _store.ListReplayCandidatesAsync(data.AppId, data.EndpointId, data.Cursor, data.Since, until, ReplayBatchSize, cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }
                var missing = batch
                    .Where(m => !m.Delivered && m.HasPayload && MessageService.Receives(endpoint, m.EventType, m.Channels))
                    .Select(m => m.MessageId)
                    .ToList();
                if (missing.Count > 0)
                {
                    if (await _store.QueueMissingDeliveriesAsync(data.AppId, data.EndpointId, missing, _time.GetUtcNow(), cancellationToken) is not { } queued)
                    {
                        await FailAsync(task.Id, data with { Error = "The endpoint was deleted." });
                        return;
                    }
                    if (queued > 0)
                    {
                        _delivery.Notify();
                    }
                    data = data with { MessagesSent = data.MessagesSent + queued };
                }
                data = data with { Cursor = batch[^1].MessageId };
                if (batch.Count < ReplayBatchSize)
                {
                    break;
                }
                var now = _time.GetUtcNow();
                await _store.SaveTaskProgressAsync(task.Id, BackgroundTasks.Serialize(data), now, now + Lease, cancellationToken);
            }
            await _store.UpdateTaskAsync(task.Id, BackgroundTasks.Finished, BackgroundTasks.Serialize(data), _time.GetUtcNow(), cancellationToken);
            LogReplayed(_logger, data.MessagesSent, data.EndpointId, task.Id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogTaskFailed(_logger, task.Id, ex);
            await FailAsync(task.Id, data with { Error = ex.Message });
        }
    }

    private Task FailAsync(string taskId, ReplayTaskData data) =>
        _store.UpdateTaskAsync(taskId, BackgroundTasks.Failed, BackgroundTasks.Serialize(data), _time.GetUtcNow(), CancellationToken.None);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Replayed {Count} missing messages to endpoint {EndpointId} (task {TaskId})")]
    private static partial void LogReplayed(ILogger logger, int count, string endpointId, string taskId);
}
