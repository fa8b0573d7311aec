using Hookline.Core.Storage;

namespace Hookline.Server.Hosting;

/// <summary>Forgets idempotency keys older than their 12-hour window, hourly.</summary>
internal sealed partial class IdempotencyKeyJanitor : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private readonly IIdempotencyStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<IdempotencyKeyJanitor> _logger;

    public IdempotencyKeyJanitor(IIdempotencyStore store, TimeProvider time, ILogger<IdempotencyKeyJanitor> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        do
        {
            try
            {
                await _store.PurgeExpiredIdempotencyKeysAsync(_time.GetUtcNow(), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPurgeFailed(_logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Purging expired idempotency keys failed")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
