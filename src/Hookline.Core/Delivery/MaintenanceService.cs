using Hookline.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Core.Delivery;

/// <summary>
/// Housekeeping once a minute: removes payloads whose retention ended (attempt metadata stays) and
/// forgets expired idempotency keys. Every node may run it; the work is idempotent.
/// </summary>
internal sealed partial class MaintenanceService : BackgroundService
{
    private const int PurgeBatch = 1000;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly IHooklineStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<MaintenanceService> _logger;

    public MaintenanceService(IHooklineStore store, TimeProvider time, ILogger<MaintenanceService> logger)
    {
        _store = store;
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
                await Task.Delay(Interval, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.MaintenanceFailed(_logger, ex);
                await Task.Delay(Interval, _time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
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
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Housekeeping failed; trying again in a minute")]
        public static partial void MaintenanceFailed(ILogger logger, Exception exception);
    }
}
