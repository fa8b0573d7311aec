using System.Text.RegularExpressions;
using System.Threading.Channels;
using Hookline.Core.Delivery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hookline.Storage.Postgres.Internal;

/// <summary>
/// Carries <see cref="DeliverySignal"/> across nodes. When this node commits new work
/// (<see cref="DeliverySignal.Notified"/>) it sends <c>NOTIFY</c> on the channel; a dedicated
/// connection <c>LISTEN</c>s on it and wakes this node's dispatcher for every other node's
/// notification. Best effort by design: if the listening connection drops it is re-established with
/// backoff, and the dispatcher's one-second poll covers whatever was missed meanwhile.
/// </summary>
/// <remarks>
/// Completions are not forwarded: the node that records one claims the freed slot itself at once
/// (the dispatcher wakes locally), and a retry's due time wakes every node through its own timer.
/// </remarks>
internal sealed partial class PostgresWorkNotifier : BackgroundService
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(250);

    private readonly NpgsqlDataSource _dataSource;
    private readonly DeliverySignal _signal;
    private readonly PostgresStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Identifies this node's own notifications, which it ignores (it woke locally already).</summary>
    private readonly string _nodeId = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Coalesces wake-ups: one NOTIFY in flight and at most one waiting behind it, which then covers
    /// every commit that happened while the first was being sent.
    /// </summary>
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private volatile bool _listening;
    private int _connections;

    public PostgresWorkNotifier(NpgsqlDataSource dataSource, DeliverySignal signal, PostgresStoreOptions options, TimeProvider time, ILogger logger)
    {
        _dataSource = dataSource;
        _signal = signal;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>True while the listening connection is up (tests and health reporting).</summary>
    public bool IsListening => _listening;

    /// <summary>How many times a listening connection has been established (the first one included).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Channel names go into <c>LISTEN</c> unquoted, so they must be plain lower-case identifiers.</summary>
    public static bool IsValidChannel(string? channel) => channel is not null && ChannelName().IsMatch(channel);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _signal.Notified += OnLocalWork;
        try
        {
            await Task.WhenAll(SendLoopAsync(stoppingToken), ListenLoopAsync(stoppingToken));
        }
        finally
        {
            _signal.Notified -= OnLocalWork;
        }
    }

    private void OnLocalWork() => _pending.Writer.TryWrite(true);

    private async Task SendLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                _pending.Reader.TryRead(out _);
                try
                {
                    await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken);
                    await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @node)", connection);
                    notify.Parameters.AddWithValue("channel", _options.NotificationChannel);
                    notify.Parameters.AddWithValue("node", _nodeId);
                    await notify.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Other nodes find the work on their next poll; nothing is lost.
                    Log.NotifyFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ListenLoopAsync(CancellationToken stoppingToken)
    {
        var delay = FirstReconnectDelay;
        var failed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken);
                try
                {
                    connection.Notification += OnNotification;
                    await using (var listen = new NpgsqlCommand($"LISTEN {_options.NotificationChannel}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(stoppingToken);
                    }
                    _listening = true;
                    Interlocked.Increment(ref _connections);
                    if (failed)
                    {
                        Log.Listening(_logger, _options.NotificationChannel);
                        failed = false;
                    }
                    delay = FirstReconnectDelay;
                    // Work may have committed on other nodes while this node was not listening.
                    _signal.NotifyLocal();
                    while (true)
                    {
                        if (!await connection.WaitAsync(_options.ListenProbeInterval, stoppingToken))
                        {
                            // Silence: make sure the connection is still there (a dropped TCP connection
                            // can look idle forever), and start over if it is not.
                            await using var probe = new NpgsqlCommand("SELECT 1", connection);
                            await probe.ExecuteNonQueryAsync(stoppingToken);
                        }
                    }
                }
                finally
                {
                    await ListeningConnection.UnlistenAsync(connection);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _listening = false;
                failed = true;
                Log.ListenFailed(_logger, delay, ex);
            }
            try
            {
                // Jitter, so nodes that lost the database together do not all come back in the same millisecond.
                await Task.Delay(delay * (0.8 + (0.4 * Random.Shared.NextDouble())), _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = delay * 2 < _options.MaxReconnectDelay ? delay * 2 : _options.MaxReconnectDelay;
        }
        _listening = false;
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Payload != _nodeId)
        {
            _signal.NotifyLocal();
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ChannelName();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Sending NOTIFY failed; other nodes will find the new work on their next poll")]
        public static partial void NotifyFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Listening for work notifications failed; reconnecting in {Delay} (dispatchers poll meanwhile)")]
        public static partial void ListenFailed(ILogger logger, TimeSpan delay, Exception exception);

        [LoggerMessage(3, LogLevel.Information, "Listening for work notifications on channel {Channel} again")]
        public static partial void Listening(ILogger logger, string channel);
    }
}
