using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Square: <c>x-square-hmacsha256-signature</c> = base64(HMAC-SHA256(signature key, notification URL + body));
/// no timestamp. The URL must be exactly the one configured in Square (behind a proxy, pass the
/// public URL or configure <c>notificationUrl</c>). Delivery id: the body's <c>event_id</c>.
/// </summary>
public static class SquareWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "x-square-hmacsha256-signature";

    /// <summary>Creates a verifier.</summary>
    /// <param name="signatureKey">The subscription's signature key.</param>
    /// <param name="notificationUrl">The notification URL as configured in Square; the request URL when <see langword="null"/>.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string signatureKey, string? notificationUrl = null) =>
        new HmacSchemeVerifier(Scheme(notificationUrl), Encoding.UTF8.GetBytes(SecretRules.Require(signatureKey, "Square signature key", nameof(signatureKey))), null);

    /// <summary>Creates a signer; pass the notification URL to <see cref="IWebhookSigner.Sign"/>.</summary>
    /// <param name="signatureKey">The signature key.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string signatureKey) =>
        new HmacSchemeSigner(Scheme(null), Encoding.UTF8.GetBytes(SecretRules.Require(signatureKey, "Square signature key", nameof(signatureKey))), null);

    internal static HmacScheme Scheme(string? notificationUrl) => new()
    {
        Type = "square",
        Provider = "Square",
        SignatureHeader = SignatureHeader,
        Encoding = SignatureEncoding.Base64,
        Template = SignedTemplate.Parse("{url}{body}", out _),
        FixedUrl = notificationUrl,
        DeliveryId = request => JsonPeek.GetScalar(request.Body.Span, "event_id"),
    };
}
