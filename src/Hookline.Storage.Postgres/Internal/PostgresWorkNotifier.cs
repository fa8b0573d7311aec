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
/// It also carries offers (<see cref="DeliverySignal.Offer"/>): deliveries a node inserted leased to
/// the node that owns their endpoint. An offer's notification names that node, the endpoint and the
/// delivery ids; only that node takes it. An offer whose notification is lost is not: its rows go
/// back to pending about two seconds on (the owner looks for offers it never heard of every second).
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

    /// <summary>Offers to send, in the order they were committed; never dropped (each names rows only its node will send).</summary>
    private readonly Channel<DeliveryOffer> _offers = Channel.CreateUnbounded<DeliveryOffer>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>What starts an offer's payload: <c>o|node|endpoint|id,id,…</c>.</summary>
    private const string OfferPrefix = "o|";

    /// <summary>Longest payload sent; PostgreSQL refuses more than 8,000 bytes.</summary>
    private const int MaxPayload = 7900;

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
        _signal.Offered += OnOffer;
        try
        {
            await Task.WhenAll(SendLoopAsync(stoppingToken), OfferLoopAsync(stoppingToken), ListenLoopAsync(stoppingToken));
        }
        finally
        {
            _signal.Notified -= OnLocalWork;
            _signal.Offered -= OnOffer;
        }
    }

    private void OnLocalWork() => _pending.Writer.TryWrite(true);

    private void OnOffer(DeliveryOffer offer) => _offers.Writer.TryWrite(offer);

    /// <summary>Sends the offers queued, all that are waiting in one round trip.</summary>
    private async Task OfferLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _offers.Reader.WaitToReadAsync(stoppingToken))
            {
                var payloads = new List<string>();
                while (_offers.Reader.TryRead(out var offer))
                {
                    payloads.AddRange(OfferPayloads(offer));
                }
                try
                {
                    await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken);
                    await using var batch = new NpgsqlBatch(connection);
                    foreach (var payload in payloads)
                    {
                        var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, $2)");
                        notify.Parameters.Add(new NpgsqlParameter { Value = _options.NotificationChannel });
                        notify.Parameters.Add(new NpgsqlParameter { Value = payload });
                        batch.BatchCommands.Add(notify);
                    }
                    await batch.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The rows stay leased to their owner until the lease runs out; then, never heard
                    // of there, they go back to pending. Nothing is lost.
                    Log.OfferFailed(_logger, payloads.Count, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>An offer as notification payloads (<c>o|node|endpoint|id,id,…</c>), split to fit PostgreSQL's limit.</summary>
    internal static IEnumerable<string> OfferPayloads(DeliveryOffer offer)
    {
        var head = $"{OfferPrefix}{offer.NodeId}|{offer.EndpointId}|";
        var payload = new System.Text.StringBuilder(head);
        var any = false;
        foreach (var id in offer.DeliveryIds)
        {
            var text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (any && payload.Length + 1 + text.Length > MaxPayload)
            {
                yield return payload.ToString();
                payload.Clear().Append(head);
                any = false;
            }
            if (any)
            {
                payload.Append(',');
            }
            payload.Append(text);
            any = true;
        }
        if (any)
        {
            yield return payload.ToString();
        }
    }

    /// <summary>The offer a payload carries, or null when it is not an offer (or not a well-formed one).</summary>
    internal static DeliveryOffer? ParseOffer(string payload)
    {
        if (!payload.StartsWith(OfferPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = payload[OfferPrefix.Length..].Split('|');
        if (parts.Length != 3)
        {
            return null;
        }
        var ids = new List<long>();
        foreach (var id in parts[2].Split(','))
        {
            if (!long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }
            ids.Add(value);
        }
        return new DeliveryOffer(parts[0], parts[1], ids);
    }

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
        if (e.Payload.StartsWith(OfferPrefix, StringComparison.Ordinal))
        {
            // Only the node the rows are leased to takes them; the others have nothing to do, and do
            // not read the ids (every node hears every offer: with three nodes, two in three are not theirs).
            if (IsOfferTo(e.Payload, _signal.NodeId) && ParseOffer(e.Payload) is { } offer)
            {
                _signal.ReceiveOffer(offer);
            }
        }
        else if (e.Payload != _nodeId)
        {
            _signal.NotifyLocal();
        }
    }

    /// <summary>Whether an offer's payload (<c>o|node|…</c>) names <paramref name="nodeId"/>, read without parsing the rest.</summary>
    internal static bool IsOfferTo(string payload, string nodeId) =>
        payload.Length > OfferPrefix.Length + nodeId.Length
        && payload[OfferPrefix.Length + nodeId.Length] == '|'
        && payload.AsSpan(OfferPrefix.Length, nodeId.Length).SequenceEqual(nodeId);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ChannelName();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Sending NOTIFY failed; other nodes will find the new work on their next poll")]
        public static partial void NotifyFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Listening for work notifications failed; reconnecting in {Delay} (dispatchers poll meanwhile)")]
        public static partial void ListenFailed(ILogger logger, TimeSpan delay, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "Sending {Count} offer notification(s) failed; the offered deliveries go back to pending within seconds")]
        public static partial void OfferFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(3, LogLevel.Information, "Listening for work notifications on channel {Channel} again")]
        public static partial void Listening(ILogger logger, string channel);
    }
}
