using Hookline.Core.Delivery;
using Hookline.Core.Storage;

namespace Hookline.Server.Tasks;

/// <summary>
/// Runs background tasks (endpoint recovery, replay-missing) claimed from the store with a lease, so a
/// task whose node died is picked up by another; marks each finished or failed.
/// </summary>
internal sealed partial class BackgroundTaskWorker : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private readonly IHooklineStore _store;
    private readonly BackgroundTaskSignal _signal;
    private readonly DeliverySignal _delivery;
    private readonly TimeProvider _time;
    private readonly ILogger<BackgroundTaskWorker> _logger;

    public BackgroundTaskWorker(IHooklineStore store, BackgroundTaskSignal signal, DeliverySignal delivery, TimeProvider time, ILogger<BackgroundTaskWorker> logger)
    {
        _store = store;
        _signal = signal;
        _delivery = delivery;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var task = await _store.ClaimTaskAsync(_time.GetUtcNow(), Lease, stoppingToken);
                if (task is null)
                {
                    await _signal.WaitAsync(PollInterval, _time, stoppingToken);
                    continue;
                }
                await RunAsync(task, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(_logger, ex);
                await Task.Delay(PollInterval, _time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private Task RunAsync(BackgroundTask task, CancellationToken cancellationToken) => task.Type switch
    {
        BackgroundTasks.EndpointRecover => RecoverAsync(task, cancellationToken),
        BackgroundTasks.EndpointReplay => ReplayMissingAsync(task, cancellationToken),
        _ => _store.UpdateTaskAsync(task.Id, BackgroundTasks.Failed, task.DataJson, _time.GetUtcNow(), cancellationToken),
    };

    private async Task RecoverAsync(BackgroundTask task, CancellationToken cancellationToken)
    {
        var data = BackgroundTasks.Deserialize<RecoverTaskData>(task.DataJson);
        if (data is null)
        {
            await _store.UpdateTaskAsync(task.Id, BackgroundTasks.Failed, task.DataJson, _time.GetUtcNow(), cancellationToken);
            return;
        }
        try
        {
            var recovered = await _store.RecoverFailedAsync(data.AppId, data.EndpointId, data.Since, data.Until, _time.GetUtcNow(), cancellationToken);
            await _store.UpdateTaskAsync(task.Id, BackgroundTasks.Finished, BackgroundTasks.Serialize(data with { Recovered = recovered }), _time.GetUtcNow(), cancellationToken);
            if (recovered > 0)
            {
                _delivery.Notify();
            }
            LogRecovered(_logger, recovered, data.EndpointId, task.Id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogTaskFailed(_logger, task.Id, ex);
            await _store.UpdateTaskAsync(task.Id, BackgroundTasks.Failed, BackgroundTasks.Serialize(data with { Error = ex.Message }), _time.GetUtcNow(), CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Recovered {Count} failed deliveries of endpoint {EndpointId} (task {TaskId})")]
    private static partial void LogRecovered(ILogger logger, int count, string endpointId, string taskId);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Background task {TaskId} failed")]
    private static partial void LogTaskFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "Background task loop failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
