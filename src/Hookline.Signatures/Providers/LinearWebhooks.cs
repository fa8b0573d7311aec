using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Linear: <c>Linear-Signature</c> = hex(HMAC-SHA256(secret, body)); freshness from the body's
/// <c>webhookTimestamp</c> (Unix milliseconds), 60 seconds tolerance. Delivery id: <c>Linear-Delivery</c>.
/// </summary>
public static class LinearWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "Linear-Signature";

    /// <summary>The delivery id header.</summary>
    public const string DeliveryHeader = "Linear-Delivery";

    /// <summary>The body field holding the send time in Unix milliseconds.</summary>
    public const string TimestampField = "webhookTimestamp";

    /// <summary>The default tolerance: 60 seconds, as Linear recommends.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(60);

    /// <summary>Creates a verifier.</summary>
    /// <param name="secret">The webhook signing secret.</param>
    /// <param name="tolerance">Allowed clock difference; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new HmacSchemeVerifier(Scheme(tolerance), Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Linear webhook secret", nameof(secret))), timeProvider);

    /// <summary>Creates a signer (the body must already carry <c>webhookTimestamp</c>).</summary>
    /// <param name="secret">The webhook signing secret.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secret) =>
        new HmacSchemeSigner(Scheme(null), Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Linear webhook secret", nameof(secret))), null);

    internal static HmacScheme Scheme(TimeSpan? tolerance) => new()
    {
        Type = "linear",
        Provider = "Linear",
        SignatureHeader = SignatureHeader,
        Template = SignedTemplate.Parse("{body}", out _),
        IdHeader = DeliveryHeader,
        TimestampBodyField = TimestampField,
        TimestampFormat = TimestampFormat.UnixMilliseconds,
        Tolerance = tolerance ?? DefaultTolerance,
        DeliveryId = request => Failures.Optional(request.Headers, DeliveryHeader),
    };
}
