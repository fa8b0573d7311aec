using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Hookline.Core.Delivery;
using Hookline.Core.Delivery.Relay;
using Hookline.Core.Storage;
using Microsoft.Extensions.Options;
using EndpointModel = Hookline.Core.Model.Endpoint;

namespace Hookline.Server.Relay;

/// <summary><c>Hookline:Relay</c>: the <c>hookline listen</c> relay.</summary>
public sealed class RelayOptions
{
    public const string SectionName = "Hookline:Relay";

    /// <summary>
    /// How long a relay endpoint outlives a connection that was lost (not closed by the CLI): the
    /// CLI reconnects within it and keeps its endpoint and secret; after it the endpoint is removed.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan DisconnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// This node's <c>hookline listen</c> connections, and the <see cref="IDeliveryRelay"/> the
/// delivery engine hands relay endpoints' signed requests to. A delivery whose connection another
/// node holds is given back for that node to claim; with no connection anywhere it fails like an
/// unreachable endpoint and is retried on the normal schedule.
/// </summary>
internal sealed partial class RelayHub : IDeliveryRelay
{
    private readonly ConcurrentDictionary<string, RelaySession> _sessions = new(StringComparer.Ordinal);
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<RelayHub> _logger;

    public RelayHub(IServiceProvider services, IOptions<RelayOptions> options, TimeProvider time, ILogger<RelayHub> logger)
    {
        _services = services;
        Options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Names this process in relay endpoint URLs (new on every start, so a restarted node owns nothing).</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    public RelayOptions Options { get; }

    public async Task<RelayResult> SendAsync(EndpointModel endpoint, RelayRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(request);
        if (_sessions.TryGetValue(endpoint.Id, out var session) && session.IsConnected)
        {
            return await session.SendAsync(request, cancellationToken);
        }
        if (RelayEndpoints.TryGetNode(endpoint.Url, out var node) && node != NodeId)
        {
            if (!LeaseExpired(endpoint))
            {
                return new RelayResult(RelayOutcome.HeldElsewhere);
            }
            // The node that held it is gone and nobody resumed it within the timeout: an orphan.
            _ = RemoveAsync(endpoint.AppId, endpoint.Id, "its node stopped renewing it");
            return new RelayResult(RelayOutcome.NotConnected, Error: "The hookline listen session of this relay endpoint ended; the endpoint is being removed.");
        }
        return new RelayResult(RelayOutcome.NotConnected,
            Error: "No hookline listen session is connected for this relay endpoint (the CLI is disconnected); retried on the normal schedule.");
    }

    private bool LeaseExpired(EndpointModel endpoint) =>
        !endpoint.Metadata.TryGetValue(RelayEndpoints.LeaseMetadataKey, out var text)
        || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires)
        || expires < _time.GetUtcNow();

    public string Lease() => (_time.GetUtcNow() + Options.DisconnectTimeout).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Makes <paramref name="session"/> the endpoint's connection on this node (a resumed one replaces the old).</summary>
    public void Attach(RelaySession session)
    {
        if (_sessions.TryGetValue(session.EndpointId, out var previous) && previous != session)
        {
            previous.Abort();
        }
        _sessions[session.EndpointId] = session;
    }

    /// <summary>
    /// The connection ended. Closed by the CLI: the endpoint is removed now. Lost: removed after
    /// <see cref="RelayOptions.DisconnectTimeout"/> unless the CLI resumed it (here or on another node).
    /// </summary>
    public async Task DetachAsync(RelaySession session, bool closedByClient)
    {
        session.FailPending();
        if (!_sessions.TryRemove(new KeyValuePair<string, RelaySession>(session.EndpointId, session)))
        {
            return; // Replaced by a resumed session.
        }
        if (closedByClient)
        {
            await RemoveAsync(session.AppId, session.EndpointId, "the CLI closed its connection");
            return;
        }
        Log.Lost(_logger, session.EndpointId, Options.DisconnectTimeout.TotalSeconds);
        _ = Task.Run(async () =>
        {
            await Task.Delay(Options.DisconnectTimeout, _time);
            if (_sessions.ContainsKey(session.EndpointId))
            {
                return;
            }
            // Resumed on another node? Then the URL names that node and its lease is fresh.
            using var scope = _services.CreateScope();
            var store = scope.ServiceProvider.GetRequiredService<IHooklineStore>();
            var endpoint = await store.GetEndpointAsync(session.AppId, session.EndpointId, CancellationToken.None);
            if (endpoint is not null && RelayEndpoints.TryGetNode(endpoint.Url, out var node) && node != NodeId && !LeaseExpired(endpoint))
            {
                return;
            }
            await RemoveAsync(session.AppId, session.EndpointId, "its CLI did not reconnect in time");
        });
    }

    private async Task RemoveAsync(string appId, string endpointId, string why)
    {
        try
        {
            var store = _services.GetRequiredService<IHooklineStore>();
            if (await store.DeleteEndpointAsync(appId, endpointId, CancellationToken.None))
            {
                Log.Removed(_logger, endpointId, why);
            }
        }
        catch (Exception ex)
        {
            Log.RemoveFailed(_logger, endpointId, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Relay endpoint {EndpointId} removed: {Why}")]
        public static partial void Removed(ILogger logger, string endpointId, string why);

        [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Relay connection of {EndpointId} lost; the endpoint is kept {Seconds} s for the CLI to reconnect")]
        public static partial void Lost(ILogger logger, string endpointId, double seconds);

        [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Removing relay endpoint {EndpointId} failed")]
        public static partial void RemoveFailed(ILogger logger, string endpointId, Exception exception);
    }
}

/// <summary>One <c>hookline listen</c> connection: sends delivery requests, matches the CLI's answers to them.</summary>
internal sealed class RelaySession : IDisposable
{
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RelayResult>> _pending = new(StringComparer.Ordinal);
    private readonly int _maxBodyChars;
    private bool _ended;

    private static readonly RelayResult NotConnectedBeforeSend = new(RelayOutcome.NotConnected,
        Error: "No hookline listen session is connected for this relay endpoint (the connection dropped before the request was sent); retried on the normal schedule.");

    public RelaySession(WebSocket socket, string appId, string endpointId, int maxBodyChars)
    {
        _socket = socket;
        AppId = appId;
        EndpointId = endpointId;
        _maxBodyChars = maxBodyChars;
    }

    public string AppId { get; }

    public string EndpointId { get; }

    public bool IsConnected => _socket.State == WebSocketState.Open;

    public async Task<RelayResult> SendAsync(RelayRequest request, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<RelayResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.RequestId] = answer;
        if (Volatile.Read(ref _ended))
        {
            // The connection ended between the lookup and now; FailPending may have run already.
            _pending.TryRemove(request.RequestId, out _);
            return NotConnectedBeforeSend;
        }
        try
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in request.Headers)
            {
                headers[name] = value;
            }
            await SendFrameAsync(new RequestFrame("request", request.RequestId, request.MessageId, request.EventType, headers, Convert.ToBase64String(request.Body.Span)), cancellationToken);
            return await answer.Task.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            return NotConnectedBeforeSend;
        }
        finally
        {
            _pending.TryRemove(request.RequestId, out _);
        }
    }

    public async Task SendFrameAsync<T>(T frame, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(frame, RelayFrames.Json);
        await _send.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>The CLI's answer to a request.</summary>
    public void Complete(ResponseFrame frame)
    {
        if (frame.Id is null || !_pending.TryRemove(frame.Id, out var answer))
        {
            return;
        }
        var body = frame.Body ?? "";
        answer.TrySetResult(new RelayResult(
            RelayOutcome.Answered,
            Math.Clamp(frame.Status, 0, 999),
            body.Length > _maxBodyChars ? body[.._maxBodyChars] : body,
            frame.Error is { Length: > 0 } error ? (error.Length > 1000 ? error[..1000] : error) : null,
            frame.DurationMs is >= 0 and < 86_400_000 ? TimeSpan.FromMilliseconds(frame.DurationMs.Value) : null));
    }

    /// <summary>Requests still waiting when the connection ends fail like an unreachable endpoint (retried on schedule).</summary>
    public void FailPending()
    {
        Volatile.Write(ref _ended, true);
        foreach (var (id, answer) in _pending)
        {
            answer.TrySetResult(new RelayResult(RelayOutcome.NotConnected, Error: "The hookline listen connection dropped before the local app answered; retried on the normal schedule."));
            _pending.TryRemove(id, out _);
        }
    }

    public void Abort()
    {
        FailPending();
        _socket.Abort();
    }

    public void Dispose() => _send.Dispose();
}

/// <summary>The relay protocol's JSON frames (docs/cli.md describes them).</summary>
internal static class RelayFrames
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}

internal sealed record ReadyFrame(string Type, string EndpointId, string AppId, string Secret, IReadOnlyList<string>? EventTypes, bool Resumed, double DisconnectTimeoutSeconds);

internal sealed record RequestFrame(string Type, string Id, string MsgId, string EventType, IReadOnlyDictionary<string, string> Headers, string Body);

internal sealed record ResponseFrame(string? Type, string? Id, int Status, string? Body, long? DurationMs, string? Error);
