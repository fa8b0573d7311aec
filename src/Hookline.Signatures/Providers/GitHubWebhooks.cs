using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// GitHub: <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256(secret, body)&gt;</c>, falling back to
/// the legacy <c>X-Hub-Signature: sha1=…</c> when only that is sent. Delivery id: <c>X-GitHub-Delivery</c>.
/// </summary>
public static class GitHubWebhooks
{
    /// <summary>The SHA-256 signature header.</summary>
    public const string SignatureHeader = "X-Hub-Signature-256";

    /// <summary>The legacy SHA-1 signature header.</summary>
    public const string LegacySignatureHeader = "X-Hub-Signature";

    /// <summary>The delivery id header (a GUID, the same on redelivery).</summary>
    public const string DeliveryHeader = "X-GitHub-Delivery";

    /// <summary>The event name header.</summary>
    public const string EventHeader = "X-GitHub-Event";

    /// <summary>Creates a verifier.</summary>
    /// <param name="secret">The webhook secret, as typed into GitHub.</param>
    /// <param name="allowSha1">Whether to accept the legacy SHA-1 header when the SHA-256 one is absent.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secret, bool allowSha1 = true)
    {
        var key = Encoding.UTF8.GetBytes(SecretRules.Require(secret, "GitHub webhook secret", nameof(secret)));
        return new Verifier(new HmacSchemeVerifier(Scheme(HmacAlgorithm.Sha256), key, null), allowSha1 ? new HmacSchemeVerifier(Scheme(HmacAlgorithm.Sha1), key, null) : null);
    }

    /// <summary>Creates a signer that sends both signature headers, the delivery id and <c>X-GitHub-Event: ping</c> unless told otherwise.</summary>
    /// <param name="secret">The webhook secret.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secret)
    {
        var key = Encoding.UTF8.GetBytes(SecretRules.Require(secret, "GitHub webhook secret", nameof(secret)));
        var sha1 = Scheme(HmacAlgorithm.Sha1);
        return new HmacSchemeSigner(Scheme(HmacAlgorithm.Sha256), key, null)
        {
            Extra = body => [new(LegacySignatureHeader, sha1.Prefix + Mac.ComputeHex(HmacAlgorithm.Sha1, key, body))],
        };
    }

    private static HmacScheme Scheme(HmacAlgorithm algorithm) => new()
    {
        Type = "github",
        Provider = "GitHub",
        SignatureHeader = algorithm == HmacAlgorithm.Sha256 ? SignatureHeader : LegacySignatureHeader,
        Prefix = algorithm == HmacAlgorithm.Sha256 ? "sha256=" : "sha1=",
        Algorithm = algorithm,
        Template = SignedTemplate.Parse("{body}", out _),
        IdHeader = DeliveryHeader,
        DeliveryId = request => Failures.Optional(request.Headers, DeliveryHeader),
    };

    private sealed class Verifier(HmacSchemeVerifier sha256, HmacSchemeVerifier? sha1) : IWebhookVerifier, IExplainingVerifier
    {
        public string Type => "github";

        public SignatureExplanation Explain(WebhookRequest request) =>
            sha1 is not null && !request.Headers.Contains(SignatureHeader) && request.Headers.Contains(LegacySignatureHeader)
                ? sha1.Explain(request)
                : sha256.Explain(request);

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (sha1 is not null && !request.Headers.Contains(SignatureHeader) && request.Headers.Contains(LegacySignatureHeader))
            {
                return sha1.Verify(request);
            }

            return sha256.Verify(request);
        }
    }
}
