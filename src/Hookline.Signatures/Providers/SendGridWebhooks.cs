using System.Globalization;
using System.Security.Cryptography;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// SendGrid Event Webhook: <c>X-Twilio-Email-Event-Webhook-Signature</c> is a base64 DER ECDSA
/// P-256/SHA-256 signature of <c>X-Twilio-Email-Event-Webhook-Timestamp</c> + body under the
/// verification key (base64 SubjectPublicKeyInfo). The body is a batch of events, so there is no
/// single delivery id.
/// </summary>
/// <remarks>SendGrid documents no freshness window, so none is applied unless a tolerance is given.</remarks>
public static class SendGridWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";

    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    /// <summary>Creates a verifier.</summary>
    /// <param name="publicKey">The verification key, base64 SubjectPublicKeyInfo (as SendGrid shows it).</param>
    /// <param name="tolerance">Allowed clock difference, or <see langword="null"/> for no freshness check.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string publicKey, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new Verifier(ParsePublicKey(publicKey, out var error) ?? throw new ArgumentException(error, nameof(publicKey)), tolerance, timeProvider ?? TimeProvider.System);

    /// <summary>Creates a signer from a P-256 private key (imitates SendGrid in tests).</summary>
    /// <param name="privateKeyPkcs8">The private key, base64 PKCS#8.</param>
    /// <param name="timeProvider">The clock for the timestamp.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string privateKeyPkcs8, TimeProvider? timeProvider = null)
    {
        var der = Codec.DecodeBase64OrNull(privateKeyPkcs8 ?? string.Empty) ?? throw new ArgumentException("The private key must be base64 PKCS#8.", nameof(privateKeyPkcs8));
        return new Signer(der, timeProvider ?? TimeProvider.System);
    }

    internal static byte[]? ParsePublicKey(string? base64, out string? error)
    {
        var der = Codec.DecodeBase64OrNull(base64 ?? string.Empty);
        if (der is null)
        {
            error = "The SendGrid verification key must be base64 (the 'Verification Key' shown when signed event webhooks are enabled).";
            return null;
        }

        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(der, out _);
            if (ecdsa.KeySize != 256)
            {
                error = "The SendGrid verification key must be an ECDSA P-256 key.";
                return null;
            }
        }
        catch (CryptographicException)
        {
            error = "The SendGrid verification key is not an ECDSA public key (SubjectPublicKeyInfo).";
            return null;
        }

        error = null;
        return der;
    }

    private static byte[] Content(string timestamp, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(timestamp) + body.Length];
        var n = System.Text.Encoding.UTF8.GetBytes(timestamp, bytes);
        body.CopyTo(bytes.AsSpan(n));
        return bytes;
    }

    private sealed class Signer(byte[] pkcs8, TimeProvider time) : IWebhookSigner
    {
        public string Type => "sendgrid";

        public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null)
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            var signature = ecdsa.SignData(Content(timestamp, body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            return [new(SignatureHeader, Convert.ToBase64String(signature)), new(TimestampHeader, timestamp)];
        }
    }

    private sealed class Verifier(byte[] publicKeyDer, TimeSpan? tolerance, TimeProvider time) : IWebhookVerifier
    {
        public string Type => "sendgrid";

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (Failures.Require(request.Headers, SignatureHeader, out var signatureBase64) is { } missingSignature)
            {
                return missingSignature;
            }

            if (Failures.Require(request.Headers, TimestampHeader, out var timestamp) is { } missingTimestamp)
            {
                return missingTimestamp;
            }

            // A DER P-256 signature is at most 72 bytes.
            var signature = new byte[80];
            if (!Codec.TryDecodeBase64(signatureBase64, signature, out var length) || length < 8)
            {
                return Failures.MalformedHeader(SignatureHeader, "expected the base64 of a DER-encoded ECDSA signature.");
            }

            if (Tolerance.CheckIfRequired(timestamp, tolerance, time, TimestampHeader, out var signedAt) is { } failure)
            {
                return failure;
            }

            bool valid;
            try
            {
                // ECDsa instances are not documented as thread-safe; SendGrid volumes make a fresh
                // import per request (tens of microseconds) the simplest safe choice.
                using var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(publicKeyDer, out _);
                valid = ecdsa.VerifyData(Content(timestamp, request.Body.Span), signature.AsSpan(0, length), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            }
            catch (CryptographicException)
            {
                valid = false;
            }

            return valid ? VerificationResult.Success(null, signedAt) : Failures.NoMatch(SignatureHeader, 1);
        }
    }
}
