using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Twitch EventSub: <c>Twitch-Eventsub-Message-Signature: sha256=&lt;hex HMAC-SHA256(secret, id + timestamp + body)&gt;</c>
/// with the RFC 3339 <c>Twitch-Eventsub-Message-Timestamp</c>, 10 minutes tolerance. A verified
/// <c>webhook_callback_verification</c> is answered by echoing the challenge as text/plain.
/// Delivery id: <c>Twitch-Eventsub-Message-Id</c>.
/// </summary>
public static class TwitchWebhooks
{
    /// <summary>The message id header.</summary>
    public const string MessageIdHeader = "Twitch-Eventsub-Message-Id";

    /// <summary>The timestamp header (RFC 3339).</summary>
    public const string TimestampHeader = "Twitch-Eventsub-Message-Timestamp";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "Twitch-Eventsub-Message-Signature";

    /// <summary>The message type header (<c>notification</c>, <c>webhook_callback_verification</c>, <c>revocation</c>).</summary>
    public const string MessageTypeHeader = "Twitch-Eventsub-Message-Type";

    /// <summary>The default tolerance: 10 minutes, as Twitch recommends.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(10);

    /// <summary>Creates a verifier.</summary>
    /// <param name="secret">The subscription secret (10–100 ASCII characters).</param>
    /// <param name="tolerance">Allowed clock difference; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new HmacSchemeVerifier(Scheme(tolerance), Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Twitch EventSub secret", nameof(secret))), timeProvider);

    /// <summary>Creates a signer (adds the id, timestamp and signature headers; the message type is the caller's).</summary>
    /// <param name="secret">The subscription secret.</param>
    /// <param name="timeProvider">The clock for the timestamp.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secret, TimeProvider? timeProvider = null) =>
        new HmacSchemeSigner(Scheme(null), Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Twitch EventSub secret", nameof(secret))), timeProvider);

    internal static HmacScheme Scheme(TimeSpan? tolerance) => new()
    {
        Type = "twitch",
        Provider = "Twitch",
        SignatureHeader = SignatureHeader,
        Prefix = "sha256=",
        Template = SignedTemplate.Parse("{id}{timestamp}{body}", out _),
        IdHeader = MessageIdHeader,
        TimestampHeader = TimestampHeader,
        TimestampFormat = TimestampFormat.Rfc3339,
        Tolerance = tolerance ?? DefaultTolerance,
        DeliveryId = request => Failures.Optional(request.Headers, MessageIdHeader),
        Handshake = request =>
            request.Headers.TryGetValue(MessageTypeHeader, out var type) && type == "webhook_callback_verification"
            && JsonPeek.GetScalar(request.Body.Span, "challenge") is { } challenge
                ? new HandshakeResponse(200, "text/plain", challenge)
                : null,
    };
}
