using System.Text;
using Hookline.Signatures.Internal;
using NSec.Cryptography;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Discord interactions: <c>X-Signature-Ed25519</c> (hex) is an Ed25519 signature of
/// UTF-8(<c>X-Signature-Timestamp</c>) + body under the application's public key (hex). A verified
/// <c>PING</c> (type 1) is answered with <c>{"type":1}</c>. Delivery id: the interaction <c>id</c>.
/// </summary>
/// <remarks>
/// Discord documents no freshness window, so none is applied unless a tolerance is given.
/// </remarks>
public static class DiscordWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Signature-Ed25519";

    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "X-Signature-Timestamp";

    /// <summary>Creates a verifier.</summary>
    /// <param name="publicKeyHex">The application's public key, 64 hex characters.</param>
    /// <param name="tolerance">Allowed clock difference, or <see langword="null"/> for no freshness check.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string publicKeyHex, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new Verifier(ParsePublicKey(publicKeyHex, out var error) ?? throw new ArgumentException(error, nameof(publicKeyHex)), tolerance, timeProvider ?? TimeProvider.System);

    /// <summary>Creates a signer from the Ed25519 private key seed (imitates Discord in tests).</summary>
    /// <param name="privateKeySeedHex">The 32-byte private key seed, hex.</param>
    /// <param name="timeProvider">The clock for the timestamp.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string privateKeySeedHex, TimeProvider? timeProvider = null)
    {
        var seed = Codec.DecodeHexOrNull(privateKeySeedHex ?? string.Empty);
        if (seed is null || seed.Length != 32)
        {
            throw new ArgumentException("The private key seed must be 64 hex characters.", nameof(privateKeySeedHex));
        }

        return new Signer(seed, timeProvider ?? TimeProvider.System);
    }

    internal static PublicKey? ParsePublicKey(string? hex, out string? error)
    {
        var raw = Codec.DecodeHexOrNull(hex ?? string.Empty);
        if (raw is null || raw.Length != 32)
        {
            error = "The Discord public key must be 64 hex characters (the 'Public Key' on the application's General Information page).";
            return null;
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            error = "The Discord public key is not a valid Ed25519 public key.";
            return null;
        }

        error = null;
        return key;
    }

    private sealed class Signer(byte[] seed, TimeProvider time) : IWebhookSigner
    {
        public string Type => "discord";

        public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null)
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
            var content = new ContentBuilder(body.Length + 16);
            try
            {
                content.Append(timestamp.AsSpan());
                content.Append(body);
                var signature = SignatureAlgorithm.Ed25519.Sign(key, content.Written);
                return [new(SignatureHeader, Convert.ToHexStringLower(signature)), new(TimestampHeader, timestamp)];
            }
            finally
            {
                content.Dispose();
            }
        }
    }

    private sealed class Verifier(PublicKey publicKey, TimeSpan? tolerance, TimeProvider time) : IWebhookVerifier
    {
        public string Type => "discord";

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (Failures.Require(request.Headers, SignatureHeader, out var signatureHex) is { } missingSignature)
            {
                return missingSignature;
            }

            if (Failures.Require(request.Headers, TimestampHeader, out var timestamp) is { } missingTimestamp)
            {
                return missingTimestamp;
            }

            Span<byte> signature = stackalloc byte[64];
            if (signatureHex.Length != 128 || !Codec.TryDecodeHex(signatureHex, signature, out _))
            {
                return Failures.MalformedHeader(SignatureHeader, "expected 128 hex characters (a 64-byte Ed25519 signature).");
            }

            if (Tolerance.CheckIfRequired(timestamp, tolerance, time, TimestampHeader, out var signedAt) is { } failure)
            {
                return failure;
            }

            var content = new ContentBuilder(request.Body.Length + timestamp.Length * 3);
            bool valid;
            try
            {
                content.Append(timestamp.AsSpan());
                content.Append(request.Body.Span);
                valid = SignatureAlgorithm.Ed25519.Verify(publicKey, content.Written, signature);
            }
            finally
            {
                content.Dispose();
            }

            if (!valid)
            {
                return Failures.NoMatch(SignatureHeader, 1);
            }

            var body = request.Body.Span;
            var handshake = JsonPeek.GetScalar(body, "type") == "1" ? new HandshakeResponse(200, "application/json", "{\"type\":1}") : null;
            return VerificationResult.Success(JsonPeek.GetScalar(body, "id"), signedAt, handshake);
        }
    }
}
