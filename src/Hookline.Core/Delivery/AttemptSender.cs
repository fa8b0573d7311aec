using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Hookline.Core.Delivery.Relay;
using Hookline.Core.Delivery.Transport;
using Hookline.Core.Model;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Core.Delivery;

/// <summary>What one HTTP attempt produced.</summary>
internal sealed record AttemptResult(
    int StatusCode,
    string Response,
    string? Error,
    TimeSpan Duration,
    TimeSpan? RetryAfter,
    DateTimeOffset StartedAt)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>Not attempted: another node holds the relay connection, so the delivery goes back unsent.</summary>
    public bool Release { get; init; }
}

/// <summary>
/// Sends one signed request for a claimed delivery through the SSRF-safe client and reports what
/// happened. Never throws for a failed delivery: every outcome is data to record.
/// </summary>
internal sealed class AttemptSender : IDisposable
{
    /// <summary>Headers a custom endpoint header may not replace: the signature and the framing.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature",
        "host", "content-length", "content-type", "transfer-encoding", "connection", "user-agent",
    };

    internal const string TimeoutMessage = "The endpoint did not answer within the timeout (Hookline:Delivery:Timeout).";

    private readonly HttpClient _client;
    private readonly SigningKeyCache _keys;
    private readonly TimeProvider _time;
    private readonly int _maxResponseBytes;
    private readonly TimeSpan _timeout;
    private readonly IDeliveryRelay? _relay;

    public AttemptSender(DeliveryHttpClientFactory clients, SigningKeyCache keys, DeliveryOptions options, TimeProvider time, IDeliveryRelay? relay = null)
    {
        _relay = relay;
        _client = clients.CreateClient();
        _keys = keys;
        _time = time;
        _maxResponseBytes = options.MaxResponseBodyBytes;
        _timeout = options.Timeout;
    }

    public async Task<AttemptResult> SendAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var message = delivery.Message;
        var endpoint = delivery.Endpoint;
        if (message.Payload is null)
        {
            return new AttemptResult(0, "", "The message payload was expunged or its retention ended, so it can no longer be sent.", TimeSpan.Zero, null, startedAt);
        }
        // One deadline for the whole attempt, body included: HttpClient.Timeout stops counting once
        // the response headers are in, and a receiver that trickles its body must not hold a slot.
        using var deadline = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        if (RelayEndpoints.IsRelay(endpoint.Url))
        {
            return await RelayAsync(delivery, startedAt, started, deadline, linked.Token, cancellationToken);
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url);
            request.Content = new ByteArrayContent(message.Payload);
            // Forwarded ingest requests keep the provider's content type (Slack and Twilio post forms).
            request.Content.Headers.ContentType = message.ExtraHeaders is { } extra
                && extra.TryGetValue("content-type", out var contentType)
                && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
                    ? parsed
                    : new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            var timestamp = startedAt.ToUnixTimeSeconds();
            request.Headers.TryAddWithoutValidation(StandardWebhookHeaders.Id, message.Id);
            request.Headers.TryAddWithoutValidation(StandardWebhookHeaders.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation(StandardWebhookHeaders.Signature, Sign(message, endpoint, timestamp, startedAt));
            // The attempt's span when traces are collected (HooklineTelemetry.StartAttempt), else the
            // context stored with the message: either way the receiver continues the caller's trace.
            if ((Activity.Current?.Id ?? message.TraceParent) is { } traceParent)
            {
                request.Headers.TryAddWithoutValidation("traceparent", traceParent);
            }
            AddHeaders(request, message.ExtraHeaders);
            AddHeaders(request, endpoint.Headers);

            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var body = await ResponseBodyReader.ReadAsync(response, _maxResponseBytes, linked.Token);
            return new AttemptResult((int)response.StatusCode, body.Content, null, _time.GetElapsedTime(started), RetryAfter(response, startedAt), startedAt);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(0, "", TimeoutMessage, _time.GetElapsedTime(started), null, startedAt);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException or InvalidOperationException or UriFormatException)
        {
            return new AttemptResult(0, "", Describe(ex), _time.GetElapsedTime(started), null, startedAt);
        }
    }

    /// <summary>
    /// A relay endpoint's delivery: the same signed request, handed to the relay instead of the
    /// network (no connection is opened, so the SSRF guard has nothing to judge).
    /// </summary>
    private async Task<AttemptResult> RelayAsync(
        ClaimedDelivery delivery, DateTimeOffset startedAt, long started, CancellationTokenSource deadline, CancellationToken token, CancellationToken cancellationToken)
    {
        var message = delivery.Message;
        var endpoint = delivery.Endpoint;
        if (_relay is null)
        {
            return new AttemptResult(0, "", "This is a relay endpoint (hookline listen), and no relay runs in this process.", TimeSpan.Zero, null, startedAt);
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in (IEnumerable<KeyValuePair<string, string>>?)message.ExtraHeaders ?? [])
        {
            if (!ReservedHeaders.Contains(name))
            {
                headers[name] = value;
            }
        }
        foreach (var (name, value) in endpoint.Headers)
        {
            if (!ReservedHeaders.Contains(name))
            {
                headers[name] = value;
            }
        }
        headers["content-type"] = message.ExtraHeaders is { } extra && extra.TryGetValue("content-type", out var contentType) ? contentType : "application/json; charset=utf-8";
        headers["user-agent"] = DeliveryHttpClientFactory.UserAgent;
        var timestamp = startedAt.ToUnixTimeSeconds();
        headers[StandardWebhookHeaders.Id] = message.Id;
        headers[StandardWebhookHeaders.Timestamp] = timestamp.ToString(CultureInfo.InvariantCulture);
        headers[StandardWebhookHeaders.Signature] = Sign(message, endpoint, timestamp, startedAt);
        if (message.TraceParent is { } traceParent)
        {
            headers["traceparent"] = traceParent;
        }
        try
        {
            var request = new RelayRequest(Guid.NewGuid().ToString("N"), message.Id, message.EventType, [.. headers], message.Payload);
            var result = await _relay.SendAsync(endpoint, request, token);
            return result.Outcome switch
            {
                RelayOutcome.HeldElsewhere => new AttemptResult(0, "", null, TimeSpan.Zero, null, startedAt) { Release = true },
                RelayOutcome.NotConnected => new AttemptResult(0, "", result.Error ?? "No hookline listen session is connected for this relay endpoint.", _time.GetElapsedTime(started), null, startedAt),
                _ => new AttemptResult(result.StatusCode, result.Body, result.Error, result.Duration ?? _time.GetElapsedTime(started), null, startedAt),
            };
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(0, "", TimeoutMessage, _time.GetElapsedTime(started), null, startedAt);
        }
    }

    public void Dispose() => _client.Dispose();

    private string Sign(Message message, Endpoint endpoint, long timestamp, DateTimeOffset now)
    {
        var secrets = new List<StandardWebhookSecret>(endpoint.Secrets.Count);
        foreach (var key in endpoint.SigningSecrets(now))
        {
            secrets.Add(_keys.Get(key));
        }
        return StandardWebhookSignature.Sign(message.Id, timestamp, message.Payload, [.. secrets]);
    }

    private static void AddHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null)
        {
            return;
        }
        foreach (var (name, value) in headers)
        {
            if (!ReservedHeaders.Contains(name))
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }
        if (retryAfter.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }
        return retryAfter.Date is { } date ? (date > now ? date - now : TimeSpan.Zero) : null;
    }

    private static string Describe(Exception ex)
    {
        if (BlockedDestinationException.TryFind(ex, out var blocked))
        {
            return $"Refused by the SSRF guard: {blocked.Message}";
        }
        if (ex is TaskCanceledException { InnerException: TimeoutException })
        {
            return TimeoutMessage;
        }
        var root = ex;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }
        return ex is HttpRequestException { HttpRequestError: var kind } && kind != HttpRequestError.Unknown
            ? $"{kind}: {root.Message}"
            : root.Message;
    }
}
