using System.Security.Cryptography;
using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Mailgun: the body carries <c>signature: {timestamp, token, signature}</c> (JSON webhooks) or
/// <c>timestamp</c>/<c>token</c>/<c>signature</c> form fields (legacy webhooks and routes);
/// signature = hex(HMAC-SHA256(webhook signing key, timestamp + token)). The body itself is not
/// signed, so the token is the delivery id: deduplicating on it is what stops replays.
/// </summary>
public static class MailgunWebhooks
{
    /// <summary>The default tolerance: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Creates a verifier.</summary>
    /// <param name="signingKey">The HTTP webhook signing key.</param>
    /// <param name="tolerance">Allowed clock difference; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string signingKey, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new Verifier(Encoding.UTF8.GetBytes(SecretRules.Require(signingKey, "Mailgun webhook signing key", nameof(signingKey))), tolerance ?? DefaultTolerance, timeProvider ?? TimeProvider.System);

    /// <summary>Computes the signature Mailgun puts in the body.</summary>
    /// <param name="signingKey">The webhook signing key.</param>
    /// <param name="timestamp">The timestamp text.</param>
    /// <param name="token">The random token.</param>
    /// <returns>Lower-case hex.</returns>
    public static string ComputeSignature(string signingKey, string timestamp, string token)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(token);
        return Mac.ComputeHex(HmacAlgorithm.Sha256, Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(timestamp + token));
    }

    private sealed class Verifier(byte[] key, TimeSpan tolerance, TimeProvider time) : IWebhookVerifier
    {
        public string Type => "mailgun";

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            var body = request.Body.Span;
            string? timestamp, token, signature;
            if (JsonPeek.GetScalar(body, "signature", parent: "signature") is { } jsonSignature)
            {
                signature = jsonSignature;
                timestamp = JsonPeek.GetScalar(body, "timestamp", parent: "signature");
                token = JsonPeek.GetScalar(body, "token", parent: "signature");
            }
            else
            {
                var form = FormBody.Parse(body);
                timestamp = Field(form, "timestamp");
                token = Field(form, "token");
                signature = Field(form, "signature");
            }

            if (timestamp is null || token is null || signature is null)
            {
                return Failures.MalformedBody("The body has no Mailgun 'signature' object {timestamp, token, signature} (nor such form fields).");
            }

            if (!Tolerance.TryParseUnixSeconds(timestamp, out _, out var signedAt))
            {
                return Failures.MalformedBody("Mailgun 'signature.timestamp' is not Unix seconds.");
            }

            if (Tolerance.Check(signedAt, tolerance, time, "signature.timestamp") is { } stale)
            {
                return stale;
            }

            Span<byte> given = stackalloc byte[32];
            if (signature.Length != 64 || !Codec.TryDecodeHex(signature, given, out _))
            {
                return Failures.MalformedBody("Mailgun 'signature.signature' is not 64 hex characters.");
            }

            Span<byte> expected = stackalloc byte[32];
            HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(timestamp + token), expected);
            return CryptographicOperations.FixedTimeEquals(expected, given)
                ? VerificationResult.Success(token, signedAt)
                : VerificationResult.Fail(VerificationFailure.NoMatchingSignature, "Mailgun 'signature.signature' does not match (wrong webhook signing key?).", signaturesTried: 1);
        }

        private static string? Field(List<KeyValuePair<string, string>> form, string name)
        {
            foreach (var (key, value) in form)
            {
                if (key == name)
                {
                    return value;
                }
            }

            return null;
        }
    }
}
