using Hookline.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hookline.Core.Delivery;

/// <summary>
/// Housekeeping once a minute (<see cref="RetentionOptions.Interval"/>): removes payloads whose retention
/// ended (attempt metadata stays), forgets expired idempotency keys, and removes history older than
/// <see cref="RetentionOptions.Period"/> in small batches. Every node may run it: the work is idempotent
/// and concurrent purges take disjoint batches (see <see cref="Storage.IMessageStore.PurgeHistoryAsync"/>).
/// </summary>
internal sealed partial class MaintenanceService : BackgroundService
{
    private const int PurgeBatch = 1000;

    private readonly IHooklineStore _store;
    private readonly RetentionOptions _retention;
    private readonly TimeProvider _time;
    private readonly ILogger<MaintenanceService> _logger;

    public MaintenanceService(IHooklineStore store, IOptions<RetentionOptions> retention, TimeProvider time, ILogger<MaintenanceService> logger)
    {
        _store = store;
        _retention = retention.Value;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
                await Task.Delay(_retention.Interval, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.MaintenanceFailed(_logger, ex);
                await Task.Delay(_retention.Interval, _time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        int purged;
        do
        {
            purged = await _store.PurgeExpiredPayloadsAsync(now, PurgeBatch, cancellationToken);
        }
        while (purged == PurgeBatch);
        await _store.PurgeExpiredIdempotencyKeysAsync(now, cancellationToken);
        if (_retention.Enabled)
        {
            await PurgeHistoryAsync(now - _retention.Period, cancellationToken);
        }
    }

    /// <summary>Batch after batch until one comes back short, each batch its own short transaction.</summary>
    internal async Task PurgeHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        long messages = 0, ingest = 0;
        HistoryPurge batch;
        do
        {
            batch = await _store.PurgeHistoryAsync(before, _retention.BatchSize, cancellationToken);
            messages += batch.Messages;
            ingest += batch.IngestRequests;
        }
        while (batch.Messages == _retention.BatchSize || batch.IngestRequests == _retention.BatchSize);
        if (messages + ingest > 0)
        {
            Log.HistoryPurged(_logger, messages, ingest, before);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Housekeeping failed; trying again in a minute")]
        public static partial void MaintenanceFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Information, "Retention removed {Messages} messages and {IngestRequests} ingest log entries created before {Before}")]
        public static partial void HistoryPurged(ILogger logger, long messages, long ingestRequests, DateTimeOffset before);
    }
}
