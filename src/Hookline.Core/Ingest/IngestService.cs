using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Hookline.Core.Delivery;
using Hookline.Core.Diagnostics;
using Hookline.Core.Ids;
using Hookline.Core.Messages;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Signatures;

namespace Hookline.Core.Ingest;

/// <summary>
/// The receiving gateway: verify with the source's scheme, dedupe on the provider's delivery id
/// (or a body hash), store the raw request and its message in one transaction (through
/// <see cref="MessageService"/>, like every message), and say what happened; the host answers the
/// provider from that <see cref="IngestResult"/>. The message (the original body bytes) then rides
/// the outbound engine to the source's endpoints and is re-signed there with Hookline's Standard
/// Webhooks signature. Replay of a logged request lives here too (IngestService.Replay.cs).
/// </summary>
public sealed partial class IngestService
{
    /// <summary>How much of a rejected request's body the log keeps.</summary>
    public const int RejectedBodyLimit = 16 * 1024;

    /// <summary>Headers never forwarded: hop-by-hop ones, framing, and credentials meant for Hookline.</summary>
    private static readonly HashSet<string> DroppedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
        "proxy-connection", "content-length", "authorization", "cookie", "expect",
        "webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature",
        // The trace goes on through Hookline's own spans; the forwarded request carries their context.
        "traceparent", "tracestate",
    };

    private readonly IHooklineStore _store;
    private readonly MessageService _messages;
    private readonly DeliverySignal _signal;
    private readonly TimeProvider _time;
    private readonly HooklineMetrics _metrics;
    private readonly ConcurrentDictionary<string, (DateTimeOffset UpdatedAt, IWebhookVerifier Verifier)> _verifiers = new(StringComparer.Ordinal);

    internal IngestService(IHooklineStore store, MessageService messages, DeliverySignal signal, TimeProvider time, HooklineMetrics metrics)
    {
        _store = store;
        _messages = messages;
        _signal = signal;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Handles a request to <c>/ingest/{token}</c>; null when no source has the token.</summary>
    public async Task<IngestResult?> ReceiveAsync(string token, IngestHttpRequest request, CancellationToken cancellationToken)
    {
        using var activity = HooklineTelemetry.Source.StartActivity("hookline.ingest.receive");
        var result = await ReceiveCoreAsync(token, request, activity, cancellationToken);
        var name = result?.Outcome switch
        {
            null => "not_found",
            IngestOutcome.Accepted => "accepted",
            IngestOutcome.Duplicate => "duplicate",
            IngestOutcome.Rejected => "rejected",
            IngestOutcome.Handshake => "handshake",
            _ => "other",
        };
        _metrics.IngestRequest(name);
        activity?.SetTag("hookline.ingest.result", name);
        if (result is { MessageId: { } messageId })
        {
            activity?.SetTag("hookline.message.id", messageId);
        }
        return result;
    }

    private async Task<IngestResult?> ReceiveCoreAsync(string token, IngestHttpRequest request, Activity? activity, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var source = await _store.GetSourceByTokenAsync(token, now, cancellationToken);
        if (source is null)
        {
            return null;
        }
        activity?.SetTag("hookline.source.id", source.Id);
        activity?.SetTag("hookline.source.type", source.Type);
        var headers = new WebhookHeaders(request.Headers);
        VerificationResult verification;
        using (var verify = HooklineTelemetry.Source.StartActivity("hookline.ingest.verify"))
        {
            verification = Verifier(source).Verify(new WebhookRequest(headers, request.Body, request.Url, request.Method));
            verify?.SetTag("hookline.verification.valid", verification.IsValid);
            if (!verification.IsValid)
            {
                verify?.SetStatus(ActivityStatusCode.Error, verification.Failure.ToString());
            }
        }
        var logId = HooklineIds.New(HooklineIds.IngestLog, now);
        // The log records the status the host answers with: IngestApi in Hookline.Server answers a
        // rejected request 401, a handshake with the scheme's own status, anything accepted 200.
        if (!verification.IsValid)
        {
            var reason = $"{verification.Failure}: {verification.Message}";
            await _store.InsertIngestRequestAsync(Record(Math.Min(request.Body.Length, RejectedBodyLimit), IngestOutcome.Rejected, 401, reason, null), cancellationToken);
            return IngestResult.Rejected(verification.Message);
        }
        if (verification.Handshake is { } handshake)
        {
            await _store.InsertIngestRequestAsync(Record(request.Body.Length, IngestOutcome.Handshake, handshake.StatusCode, "", null), cancellationToken);
            return IngestResult.HandshakeAnswer(handshake);
        }

        var dedupeKey = verification.DeliveryId is { Length: > 0 } id ? "id:" + id : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(request.Body));
        var draft = new MessageDraft
        {
            EventType = EventTypeOf(source, headers, request.Body),
            Payload = request.Body,
            ExtraHeaders = ForwardedHeaders(request.Headers),
            // Forwarding attempts continue this request's trace.
            TraceParent = Activity.Current?.Id,
            IngestRequest = Record(request.Body.Length, IngestOutcome.Accepted, 200, "", dedupeKey),
        };
        var created = await _messages.CreateAsync(source.AppId, draft, cancellationToken);
        return created.Duplicate ? IngestResult.Duplicate(created.Message.Id) : IngestResult.Accepted(created.Message.Id);

        IngestRequestRecord Record(int bodyBytes, IngestOutcome outcome, int status, string error, string? dedupe) => new()
        {
            Id = logId,
            SourceId = source.Id,
            ReceivedAt = now,
            Outcome = outcome,
            StatusCode = status,
            ErrorText = error,
            DedupeKey = dedupe,
            Headers = LoggedHeaders(request.Headers),
            Body = bodyBytes == request.Body.Length ? request.Body : request.Body[..bodyBytes],
        };
    }

    /// <summary>Logs a request refused before verification (its body was over the limit).</summary>
    public async Task<bool> LogTooLargeAsync(string token, IReadOnlyList<KeyValuePair<string, string>> headers, long limit, CancellationToken cancellationToken)
    {
        _metrics.IngestRequest("too_large");
        var now = _time.GetUtcNow();
        if (await _store.GetSourceByTokenAsync(token, now, cancellationToken) is not { } source)
        {
            return false;
        }
        await _store.InsertIngestRequestAsync(new IngestRequestRecord
        {
            Id = HooklineIds.New(HooklineIds.IngestLog, now),
            SourceId = source.Id,
            ReceivedAt = now,
            Outcome = IngestOutcome.TooLarge,
            StatusCode = 413,
            ErrorText = $"The body is over the limit of {limit} bytes (Hookline:Limits:MaxPayloadBytes).",
            Headers = LoggedHeaders(headers),
            Body = [],
        }, cancellationToken);
        return true;
    }

    /// <summary>Everything but credentials meant for Hookline or a proxy goes into the request log.</summary>
    private static KeyValuePair<string, string>[] LoggedHeaders(IReadOnlyList<KeyValuePair<string, string>> headers) =>
        headers.Where(h => !h.Key.Equals("authorization", StringComparison.OrdinalIgnoreCase)
            && !h.Key.Equals("cookie", StringComparison.OrdinalIgnoreCase)
            && !h.Key.Equals("proxy-authorization", StringComparison.OrdinalIgnoreCase)).ToArray();

    /// <summary>A verifier for the source, built once per source version.</summary>
    public IWebhookVerifier Verifier(Source source)
    {
        if (_verifiers.TryGetValue(source.Id, out var cached) && cached.UpdatedAt == source.UpdatedAt)
        {
            return cached.Verifier;
        }
        using var config = JsonDocument.Parse(source.ConfigJson);
        var verifier = WebhookVerifiers.Create(SourceTypes.VerifierType(source.Type), config.RootElement, _time);
        _verifiers[source.Id] = (source.UpdatedAt, verifier);
        return verifier;
    }

    /// <summary>
    /// The original headers that travel with the forwarded request (the provider's own signature
    /// headers included, for apps that want to check them too); Hookline adds its own signature.
    /// </summary>
    private static Dictionary<string, string> ForwardedHeaders(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var forwarded = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (DroppedHeaders.Contains(name) || name.StartsWith(':'))
            {
                continue;
            }
            // Lower case, as HTTP/2 writes them: the stored map is read back case-sensitively, and the
            // delivery engine looks the original content type up as "content-type".
            var key = name.ToLowerInvariant();
            forwarded[key] = forwarded.TryGetValue(key, out var existing) ? existing + ", " + value : value;
        }
        return forwarded;
    }

    /// <summary>
    /// The provider's event name when it says one (GitHub/GitLab/Shopify/Twitch headers, a JSON
    /// <c>type</c> field as Stripe, Svix and Slack send), so source endpoints can filter on it;
    /// otherwise the source type.
    /// </summary>
    private static string EventTypeOf(Source source, WebhookHeaders headers, byte[] body)
    {
        string? name = null;
        foreach (var header in (string[])["X-GitHub-Event", "X-Gitlab-Event", "X-Shopify-Topic", "Twitch-Eventsub-Subscription-Type"])
        {
            if (headers.TryGetValue(header, out var value) && value.Length > 0)
            {
                name = value;
                break;
            }
        }
        if (name is null && body.Length > 0 && body[0] == (byte)'{')
        {
            try
            {
                var reader = new Utf8JsonReader(body);
                using var document = JsonDocument.ParseValue(ref reader);
                if (document.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
                {
                    name = type.GetString();
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: the source type names it.
            }
        }
        var sanitized = Sanitize(name);
        return sanitized.Length > 0 ? sanitized : Sanitize(source.Type);
    }

    private static string Sanitize(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "";
        }
        Span<char> buffer = stackalloc char[Math.Min(name.Length, 256)];
        for (var i = 0; i < buffer.Length; i++)
        {
            var c = name[i];
            buffer[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_';
        }
        return new string(buffer);
    }
}
