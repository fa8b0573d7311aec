using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Hookline.Signatures;

namespace Hookline.Receiver.AspNetCore;

/// <summary>
/// One verified webhook request, as a handler receives it from the inbox: the exact body bytes and
/// headers, the delivery id, the signed timestamp, and JSON helpers.
/// </summary>
public sealed class WebhookEvent
{
    private JsonElement? _json;

    internal WebhookEvent(
        long inboxId,
        string webhook,
        string type,
        string deliveryId,
        WebhookHeaders headers,
        ReadOnlyMemory<byte> body,
        string? url,
        string method,
        DateTimeOffset? timestamp,
        DateTimeOffset receivedAt,
        int attempt)
    {
        InboxId = inboxId;
        Webhook = webhook;
        Type = type;
        DeliveryId = deliveryId;
        Headers = headers;
        Body = body;
        Url = url;
        Method = method;
        Timestamp = timestamp;
        ReceivedAt = receivedAt;
        Attempt = attempt;
    }

    /// <summary>The inbox row id (for <see cref="IWebhookInbox"/> and logs).</summary>
    public long InboxId { get; }

    /// <summary>The webhook's name (<see cref="WebhookOptions.Name"/>, by default the route pattern).</summary>
    public string Webhook { get; }

    /// <summary>The verifier type that accepted the request, for example <c>stripe</c>.</summary>
    public string Type { get; }

    /// <summary>
    /// The provider's delivery id (Stripe event id, <c>X-GitHub-Delivery</c>, <c>webhook-id</c>, …), or
    /// <c>sha256:</c> and the hex SHA-256 of the body when the scheme has none. The inbox never runs
    /// two events with the same id for one webhook; use it as the idempotency key of your own writes.
    /// </summary>
    public string DeliveryId { get; }

    /// <summary>The request headers, exactly as received.</summary>
    public WebhookHeaders Headers { get; }

    /// <summary>The raw body bytes, exactly as received and verified.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The URL the request was verified against, when known.</summary>
    public string? Url { get; }

    /// <summary>The HTTP method, normally <c>POST</c>.</summary>
    public string Method { get; }

    /// <summary>The timestamp the provider signed, when the scheme has one (Stripe, Svix, Slack, …).</summary>
    public DateTimeOffset? Timestamp { get; }

    /// <summary>When the request was received and stored.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Which attempt this is: 1 for the first run.</summary>
    public int Attempt { get; }

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The body parsed as JSON (parsed once, on first use).</summary>
    /// <exception cref="JsonException">The body is not JSON.</exception>
    public JsonElement Json
    {
        get
        {
            if (_json is null)
            {
                using var document = JsonDocument.Parse(Body);
                _json = document.RootElement.Clone();
            }
            return _json.Value;
        }
    }

    /// <summary>Deserializes the body; property names match case-insensitively (<see cref="JsonSerializerOptions.Web"/>) unless <paramref name="options"/> say otherwise.</summary>
    /// <typeparam name="T">The type to read.</typeparam>
    /// <param name="options">Serializer options; <see cref="JsonSerializerOptions.Web"/> when <see langword="null"/>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="JsonException">The body does not fit <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("JSON serialization may need types that trimming removes; use the JsonTypeInfo overload.")]
    [RequiresDynamicCode("JSON serialization may generate code at run time; use the JsonTypeInfo overload.")]
    public T? Deserialize<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Body.Span, options ?? JsonSerializerOptions.Web);

    /// <summary>Deserializes the body with source-generated metadata (trimming- and AOT-safe).</summary>
    /// <typeparam name="T">The type to read.</typeparam>
    /// <param name="typeInfo">The metadata, from a <c>JsonSerializerContext</c>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="JsonException">The body does not fit <typeparamref name="T"/>.</exception>
    public T? Deserialize<T>(JsonTypeInfo<T> typeInfo) => JsonSerializer.Deserialize(Body.Span, typeInfo);

    /// <inheritdoc />
    public override string ToString() => $"{Webhook} {DeliveryId} (attempt {Attempt})";
}
