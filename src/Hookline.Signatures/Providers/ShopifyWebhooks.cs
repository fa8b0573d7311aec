using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Shopify: <c>X-Shopify-Hmac-Sha256</c> = base64(HMAC-SHA256(app secret, body)); no timestamp.
/// Delivery id: <c>X-Shopify-Webhook-Id</c>.
/// </summary>
public static class ShopifyWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Shopify-Hmac-Sha256";

    /// <summary>The delivery id header.</summary>
    public const string WebhookIdHeader = "X-Shopify-Webhook-Id";

    /// <summary>Creates a verifier.</summary>
    /// <param name="secret">The app's client secret (or the webhook signing secret shown in the admin).</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secret) =>
        new HmacSchemeVerifier(Scheme, Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Shopify secret", nameof(secret))), null);

    /// <summary>Creates a signer.</summary>
    /// <param name="secret">The secret.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secret) =>
        new HmacSchemeSigner(Scheme, Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Shopify secret", nameof(secret))), null);

    internal static HmacScheme Scheme { get; } = new()
    {
        Type = "shopify",
        Provider = "Shopify",
        SignatureHeader = SignatureHeader,
        Encoding = SignatureEncoding.Base64,
        Template = SignedTemplate.Parse("{body}", out _),
        IdHeader = WebhookIdHeader,
        DeliveryId = request => Failures.Optional(request.Headers, WebhookIdHeader),
    };
}
