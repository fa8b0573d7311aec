using System.Security.Cryptography;
using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// GitLab: <c>X-Gitlab-Token</c> carries the configured secret token itself (no signature); it is
/// compared in constant time. Delivery id: <c>Idempotency-Key</c> (GitLab 17.4 and later), the same
/// on every retry.
/// </summary>
public static class GitLabWebhooks
{
    /// <summary>The token header.</summary>
    public const string TokenHeader = "X-Gitlab-Token";

    /// <summary>The delivery id header.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Creates a verifier.</summary>
    /// <param name="secretToken">The webhook's secret token.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secretToken) =>
        new Verifier(Encoding.UTF8.GetBytes(SecretRules.Require(secretToken, "GitLab secret token", nameof(secretToken))));

    /// <summary>Creates a signer (adds the token and an idempotency key).</summary>
    /// <param name="secretToken">The secret token.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secretToken) =>
        new Signer(SecretRules.Require(secretToken, "GitLab secret token", nameof(secretToken)));

    private sealed class Signer(string token) : IWebhookSigner
    {
        public string Type => "gitlab";

        public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null) =>
            [new(TokenHeader, token), new(IdempotencyHeader, deliveryId ?? Guid.NewGuid().ToString())];
    }

    private sealed class Verifier(byte[] token) : IWebhookVerifier
    {
        public string Type => "gitlab";

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (Failures.Require(request.Headers, TokenHeader, out var given) is { } missing)
            {
                return missing;
            }

            // Hash both sides first: FixedTimeEquals leaks nothing about content, but comparing
            // equal-length digests also hides the token's length.
            Span<byte> expected = stackalloc byte[32];
            Span<byte> actual = stackalloc byte[32];
            SHA256.HashData(token, expected);
            SHA256.HashData(Encoding.UTF8.GetBytes(given), actual);
            return CryptographicOperations.FixedTimeEquals(expected, actual)
                ? VerificationResult.Success(Failures.Optional(request.Headers, IdempotencyHeader))
                : VerificationResult.Fail(VerificationFailure.NoMatchingSignature, $"The token in '{TokenHeader}' does not match the configured secret token.", TokenHeader, 1);
        }
    }
}
