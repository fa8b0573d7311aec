using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Slack: <c>X-Slack-Signature: v0=&lt;hex HMAC-SHA256(signing secret, "v0:{ts}:{body}")&gt;</c> with
/// <c>X-Slack-Request-Timestamp</c>, 5 minutes tolerance. Answers <c>url_verification</c> by echoing
/// the challenge. Delivery id: the Events API <c>event_id</c> when present.
/// </summary>
public static class SlackWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Slack-Signature";

    /// <summary>The timestamp header (Unix seconds).</summary>
    public const string TimestampHeader = "X-Slack-Request-Timestamp";

    /// <summary>The default tolerance: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Creates a verifier.</summary>
    /// <param name="signingSecret">The app's signing secret (not a bot token).</param>
    /// <param name="tolerance">Allowed clock difference; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string signingSecret, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new HmacSchemeVerifier(Scheme(tolerance), Key(signingSecret), timeProvider);

    /// <summary>Creates a signer.</summary>
    /// <param name="signingSecret">The signing secret.</param>
    /// <param name="timeProvider">The clock for the timestamp.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string signingSecret, TimeProvider? timeProvider = null) =>
        new HmacSchemeSigner(Scheme(null), Key(signingSecret), timeProvider);

    internal static string? CheckSecret(string secret) =>
        SecretRules.RejectWhsec(secret, "Slack")
        ?? (secret.StartsWith("xox", StringComparison.Ordinal) ? "This looks like a Slack OAuth/bot token ('xox…'); use the app's Signing Secret from 'Basic Information'." : null);

    private static byte[] Key(string secret)
    {
        SecretRules.Require(secret, "Slack signing secret", nameof(secret));
        return CheckSecret(secret) is { } error ? throw new ArgumentException(error, nameof(secret)) : Encoding.UTF8.GetBytes(secret);
    }

    internal static HmacScheme Scheme(TimeSpan? tolerance) => new()
    {
        Type = "slack",
        Provider = "Slack",
        SignatureHeader = SignatureHeader,
        Prefix = "v0=",
        Template = SignedTemplate.Parse("v0:{timestamp}:{body}", out _),
        TimestampHeader = TimestampHeader,
        Tolerance = tolerance ?? DefaultTolerance,
        DeliveryId = request => JsonPeek.GetScalar(request.Body.Span, "event_id"),
        Handshake = request =>
            JsonPeek.GetScalar(request.Body.Span, "type") == "url_verification" && JsonPeek.GetScalar(request.Body.Span, "challenge") is { } challenge
                ? new HandshakeResponse(200, "text/plain", challenge)
                : null,
    };
}
