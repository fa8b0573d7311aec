using Hookline.Storage.Postgres;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// On PostgreSQL, wakes the workers of every node the moment any node stores an event or requeues
/// dead letters: stores <c>NOTIFY</c> on <see cref="Channel"/>, and each node with a worker
/// <c>LISTEN</c>s on a connection of its own and turns a notification into an <see cref="InboxSignal"/>.
/// Only a speed-up: a lost notification (a dropped connection, a node restarting) costs at most one
/// poll interval, so failures are logged and retried, never surfaced.
/// </summary>
internal sealed class PostgresInboxWakeUp : BackgroundService
{
    public const string Channel = "hookline_inbox";
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    private readonly InboxStoreHolder _stores;
    private readonly InboxSignal _signal;
    private readonly HooklineReceiverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresInboxWakeUp> _logger;

    public PostgresInboxWakeUp(InboxStoreHolder stores, InboxSignal signal, IOptions<HooklineReceiverOptions> options, TimeProvider time, ILogger<PostgresInboxWakeUp> logger)
    {
        _stores = stores;
        _signal = signal;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Tells every listening node that work is waiting. Never throws; does not delay the caller.</summary>
    public static void Publish(InboxStoreHolder stores, ILogger logger)
    {
        if (stores.Current is not PostgresHooklineStore postgres)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await using var command = postgres.DataSource.CreateCommand($"SELECT pg_notify('{Channel}', '')");
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ObjectDisposedException)
            {
                Log.NotifyFailed(logger, ex);
            }
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunWorker || !string.Equals(_options.StorageProvider, HooklineReceiverOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await _stores.GetAsync(stoppingToken) is not PostgresHooklineStore postgres)
                {
                    return;
                }
                await using var connection = await postgres.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => _signal.Notify();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                delay = TimeSpan.FromSeconds(1);
                _signal.Notify(); // Anything stored while this node was not listening.
                while (!stoppingToken.IsCancellationRequested)
                {
                    // A timeout is a chance to notice a connection that died silently: the next
                    // wait on a broken connection throws, and the loop reconnects.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(stoppingToken);
                    }
                }
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
