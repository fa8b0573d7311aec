using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Intercom: <c>X-Hub-Signature: sha1=&lt;hex HMAC-SHA1(client secret, body)&gt;</c>. Delivery id: the
/// notification's <c>id</c> in the body.
/// </summary>
public static class IntercomWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Hub-Signature";

    /// <summary>Creates a verifier.</summary>
    /// <param name="clientSecret">The app's client secret.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string clientSecret) =>
        new HmacSchemeVerifier(Scheme, Encoding.UTF8.GetBytes(SecretRules.Require(clientSecret, "Intercom client secret", nameof(clientSecret))), null);

    /// <summary>Creates a signer.</summary>
    /// <param name="clientSecret">The client secret.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string clientSecret) =>
        new HmacSchemeSigner(Scheme, Encoding.UTF8.GetBytes(SecretRules.Require(clientSecret, "Intercom client secret", nameof(clientSecret))), null);

    internal static HmacScheme Scheme { get; } = new()
    {
        Type = "intercom",
        Provider = "Intercom",
        SignatureHeader = SignatureHeader,
        Prefix = "sha1=",
        Algorithm = HmacAlgorithm.Sha1,
        Template = SignedTemplate.Parse("{body}", out _),
        DeliveryId = request => JsonPeek.GetScalar(request.Body.Span, "id"),
    };
}

/// <summary>
/// Bitbucket (Cloud and Data Center): <c>X-Hub-Signature: sha256=&lt;hex HMAC-SHA256(secret, body)&gt;</c>.
/// Delivery id: <c>X-Request-UUID</c> (Cloud) or <c>X-Request-Id</c> (Data Center).
/// </summary>
public static class BitbucketWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Hub-Signature";

    /// <summary>Bitbucket Cloud's delivery id header.</summary>
    public const string RequestUuidHeader = "X-Request-UUID";

    /// <summary>Bitbucket Data Center's delivery id header.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>Creates a verifier.</summary>
    /// <param name="secret">The webhook secret.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secret) =>
        new HmacSchemeVerifier(Scheme, Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Bitbucket webhook secret", nameof(secret))), null);

    /// <summary>Creates a signer.</summary>
    /// <param name="secret">The webhook secret.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secret) =>
        new HmacSchemeSigner(Scheme, Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Bitbucket webhook secret", nameof(secret))), null);

    internal static HmacScheme Scheme { get; } = new()
    {
        Type = "bitbucket",
        Provider = "Bitbucket",
        SignatureHeader = SignatureHeader,
        Prefix = "sha256=",
        Template = SignedTemplate.Parse("{body}", out _),
        IdHeader = RequestUuidHeader,
        DeliveryId = request => Failures.Optional(request.Headers, RequestUuidHeader) ?? Failures.Optional(request.Headers, RequestIdHeader),
    };
}
