using Hookline.Signatures.Providers;

namespace Hookline.Signatures.Internal;

/// <summary>Where a scheme's signed timestamp comes from and how it is written.</summary>
internal enum TimestampFormat
{
    UnixSeconds,

    /// <summary>Seconds, or milliseconds when the number is too large to be seconds (Zoom).</summary>
    UnixSecondsOrMilliseconds,
    UnixMilliseconds,
    Rfc3339,
}

/// <summary>
/// The description of a "one header, one HMAC" scheme (GitHub, Shopify, Slack, Zoom, Twitch,
/// Linear, Square, Intercom, Bitbucket, generic <c>hmac</c>). One engine verifies and signs them
/// all, so each provider is a few lines of data rather than another hand-written parser.
/// </summary>
internal sealed record HmacScheme
{
    public required string Type { get; init; }

    /// <summary>Human name used in messages, e.g. "GitHub".</summary>
    public required string Provider { get; init; }

    public required string SignatureHeader { get; init; }

    public string Prefix { get; init; } = string.Empty;

    public HmacAlgorithm Algorithm { get; init; } = HmacAlgorithm.Sha256;

    public SignatureEncoding Encoding { get; init; } = SignatureEncoding.Hex;

    public required SignedTemplate Template { get; init; }

    /// <summary>Header whose value fills <c>{id}</c>; required when the template uses it.</summary>
    public string? IdHeader { get; init; }

    public string? TimestampHeader { get; init; }

    /// <summary>A top-level JSON body field holding the timestamp (Linear's <c>webhookTimestamp</c>).</summary>
    public string? TimestampBodyField { get; init; }

    public TimestampFormat TimestampFormat { get; init; } = TimestampFormat.UnixSeconds;

    public TimeSpan? Tolerance { get; init; }

    /// <summary>A fixed URL to sign instead of the request's (Square's configured notification URL).</summary>
    public string? FixedUrl { get; init; }

    /// <summary>Extracts the provider's delivery id after a successful check.</summary>
    public Func<WebhookRequest, string?>? DeliveryId { get; init; }

    /// <summary>Computes the automatic answer a verified handshake request needs.</summary>
    public Func<WebhookRequest, HandshakeResponse?>? Handshake { get; init; }
}
