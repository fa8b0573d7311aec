using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Wakes this process's worker the moment another process sharing the inbox stores an event or
/// requeues dead letters: the store listens (on PostgreSQL, <c>LISTEN</c> on a connection of its own)
/// and each announcement becomes an <see cref="InboxSignal"/>. A store that one process uses alone
/// (SQLite) has nothing to listen to and returns at once. Only a speed-up: a lost announcement costs
/// at most one poll interval, so failures are logged and the listening retried, never surfaced.
/// </summary>
internal sealed class InboxWakeUpListener : BackgroundService
{
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    private readonly InboxStoreHolder _stores;
    private readonly InboxSignal _signal;
    private readonly HooklineReceiverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxWakeUpListener> _logger;

    public InboxWakeUpListener(InboxStoreHolder stores, InboxSignal signal, IOptions<HooklineReceiverOptions> options, TimeProvider time, ILogger<InboxWakeUpListener> logger)
    {
        _stores = stores;
        _signal = signal;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunWorker)
        {
            return;
        }
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var store = await _stores.GetAsync(stoppingToken);
                await store.ListenForWorkAsync(_signal.Wake, stoppingToken);
                return; // Cancelled, or a store without other processes to listen to.
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ListenFailed(_logger, ex);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            }
        }
    }
}
