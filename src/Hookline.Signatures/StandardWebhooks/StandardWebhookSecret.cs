using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Hookline.Signatures.Internal;
using NSec.Cryptography;

namespace Hookline.Signatures.StandardWebhooks;

/// <summary>
/// A parsed Standard Webhooks secret: <c>whsec_</c> (HMAC key, 24–64 bytes), <c>whsk_</c>
/// (Ed25519 secret key: 32-byte seed then 32-byte public key) or <c>whpk_</c> (Ed25519 public key).
/// Parse once and reuse: the decoded key material (and the NSec key) is cached, so signing and
/// verifying do no decoding per request. Thread-safe.
/// </summary>
/// <remarks>
/// <see cref="ToString"/> never prints key material; use <see cref="Export"/> to get the encoded
/// secret back. Dispose an Ed25519 secret key when done to free its protected memory promptly.
/// </remarks>
public sealed class StandardWebhookSecret : IDisposable
{
    /// <summary>Prefix of symmetric secrets.</summary>
    public const string SymmetricPrefix = "whsec_";

    /// <summary>Prefix of Ed25519 secret keys.</summary>
    public const string SecretKeyPrefix = "whsk_";

    /// <summary>Prefix of Ed25519 public keys.</summary>
    public const string PublicKeyPrefix = "whpk_";

    /// <summary>Smallest symmetric key the Standard Webhooks specification allows, in bytes.</summary>
    public const int MinSymmetricLength = 24;

    /// <summary>Largest symmetric key the Standard Webhooks specification allows, in bytes.</summary>
    public const int MaxSymmetricLength = 64;

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    private readonly string _encoded;

    private StandardWebhookSecret(StandardWebhookSecretKind kind, string encoded, byte[]? hmacKey, Key? signingKey, PublicKey? publicKey)
    {
        Kind = kind;
        _encoded = encoded;
        HmacKey = hmacKey;
        SigningKey = signingKey;
        PublicKey = publicKey;
    }

    /// <summary>What this secret holds.</summary>
    public StandardWebhookSecretKind Kind { get; }

    /// <summary>Whether this secret can sign (every kind except <see cref="StandardWebhookSecretKind.Ed25519PublicKey"/>).</summary>
    public bool CanSign => Kind != StandardWebhookSecretKind.Ed25519PublicKey;

    /// <summary>The signature version this secret produces and checks: <c>v1</c> or <c>v1a</c>.</summary>
    public string Version => Kind == StandardWebhookSecretKind.Symmetric ? "v1" : "v1a";

    internal byte[]? HmacKey { get; }

    internal Key? SigningKey { get; }

    internal PublicKey? PublicKey { get; }

    /// <summary>Parses an encoded secret.</summary>
    /// <param name="value">A <c>whsec_</c>, <c>whsk_</c> or <c>whpk_</c> secret (a bare base64 HMAC key is read as <c>whsec_</c>).</param>
    /// <returns>The parsed secret.</returns>
    /// <exception cref="FormatException">The secret is not valid; the message says why.</exception>
    public static StandardWebhookSecret Parse(string value) =>
        TryParse(value, out var secret, out var error) ? secret : throw new FormatException(error);

    /// <summary>Parses an encoded secret without throwing.</summary>
    /// <param name="value">A <c>whsec_</c>, <c>whsk_</c> or <c>whpk_</c> secret (a bare base64 HMAC key is read as <c>whsec_</c>).</param>
    /// <param name="secret">The parsed secret, when valid.</param>
    /// <param name="error">Why the secret is invalid (never containing the secret), when not valid.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a valid secret.</returns>
    public static bool TryParse(string? value, [NotNullWhen(true)] out StandardWebhookSecret? secret, [NotNullWhen(false)] out string? error)
    {
        secret = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "The secret is empty.";
            return false;
        }

        if (value.AsSpan().Trim().Length != value.Length)
        {
            error = "The secret has leading or trailing whitespace.";
            return false;
        }

        if (value.StartsWith(SecretKeyPrefix, StringComparison.Ordinal))
        {
            return TryParseSecretKey(value, out secret, out error);
        }

        if (value.StartsWith(PublicKeyPrefix, StringComparison.Ordinal))
        {
            var raw = Codec.DecodeBase64OrNull(value[PublicKeyPrefix.Length..]);
            if (raw is null || raw.Length != 32)
            {
                error = "A 'whpk_' public key must be 32 bytes of standard base64 after the prefix.";
                return false;
            }

            if (!NSec.Cryptography.PublicKey.TryImport(Ed25519, raw, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
            {
                error = "The 'whpk_' value is not a valid Ed25519 public key.";
                return false;
            }

            secret = new StandardWebhookSecret(StandardWebhookSecretKind.Ed25519PublicKey, value, null, null, publicKey);
            error = null;
            return true;
        }

        var body = value.StartsWith(SymmetricPrefix, StringComparison.Ordinal) ? value[SymmetricPrefix.Length..] : value;
        var key = Codec.DecodeBase64OrNull(body);
        if (key is null)
        {
            error = value.Length == body.Length
                ? "The secret is neither 'whsec_', 'whsk_' nor 'whpk_' prefixed, nor valid base64 (Standard Webhooks secrets are base64 keys, not passwords)."
                : "The part after 'whsec_' is not valid standard base64.";
            return false;
        }

        if (key.Length is < MinSymmetricLength or > MaxSymmetricLength)
        {
            error = $"A Standard Webhooks HMAC key must be {MinSymmetricLength}–{MaxSymmetricLength} bytes once base64-decoded; this one is {key.Length}.";
            CryptographicOperations.ZeroMemory(key);
            return false;
        }

        secret = new StandardWebhookSecret(StandardWebhookSecretKind.Symmetric, value.Length == body.Length ? SymmetricPrefix + value : value, key, null, null);
        error = null;
        return true;
    }

    /// <summary>Generates a new random symmetric (<c>whsec_</c>) secret.</summary>
    /// <param name="length">Key length in bytes, 24–64. The default (24) matches the secrets Svix issues.</param>
    /// <returns>The new secret.</returns>
    public static StandardWebhookSecret GenerateSymmetric(int length = MinSymmetricLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, MinSymmetricLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxSymmetricLength);
        var key = RandomNumberGenerator.GetBytes(length);
        return new StandardWebhookSecret(StandardWebhookSecretKind.Symmetric, SymmetricPrefix + Convert.ToBase64String(key), key, null, null);
    }

    /// <summary>Generates a new Ed25519 secret key (<c>whsk_</c>); its <see cref="GetPublicKey"/> is what receivers configure.</summary>
    /// <returns>The new secret key.</returns>
    public static StandardWebhookSecret GenerateEd25519()
    {
        Span<byte> blob = stackalloc byte[64];
        try
        {
            RandomNumberGenerator.Fill(blob[..32]);
            var key = Key.Import(Ed25519, blob[..32], KeyBlobFormat.RawPrivateKey);
            var publicKey = key.PublicKey;
            publicKey.Export(KeyBlobFormat.RawPublicKey).CopyTo(blob[32..]);
            return new StandardWebhookSecret(StandardWebhookSecretKind.Ed25519SecretKey, SecretKeyPrefix + Convert.ToBase64String(blob), null, key, publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blob);
        }
    }

    /// <summary>The public key (<c>whpk_</c>) of an Ed25519 secret key or public key.</summary>
    /// <returns>A public-key secret that verifies <c>v1a</c> signatures.</returns>
    /// <exception cref="InvalidOperationException">This is a symmetric secret, which has no public half.</exception>
    public StandardWebhookSecret GetPublicKey()
    {
        if (PublicKey is null)
        {
            throw new InvalidOperationException("A symmetric 'whsec_' secret has no public key.");
        }

        var encoded = PublicKeyPrefix + Convert.ToBase64String(PublicKey.Export(KeyBlobFormat.RawPublicKey));
        return new StandardWebhookSecret(StandardWebhookSecretKind.Ed25519PublicKey, encoded, null, null, PublicKey);
    }

    /// <summary>The encoded secret (<c>whsec_…</c>, <c>whsk_…</c> or <c>whpk_…</c>), for storage or display to its owner.</summary>
    /// <returns>The encoded secret.</returns>
    public string Export() => _encoded;

    /// <summary>A redacted description that is safe to log.</summary>
    /// <returns>For example <c>whsec_…(24 bytes)</c>.</returns>
    public override string ToString() => Kind switch
    {
        StandardWebhookSecretKind.Symmetric => $"{SymmetricPrefix}…({HmacKey!.Length} bytes)",
        StandardWebhookSecretKind.Ed25519SecretKey => $"{SecretKeyPrefix}…(Ed25519 secret key)",
        _ => _encoded,
    };

    /// <summary>Frees the Ed25519 secret key's protected memory; a no-op for other kinds.</summary>
    public void Dispose() => SigningKey?.Dispose();

    private static bool TryParseSecretKey(string value, [NotNullWhen(true)] out StandardWebhookSecret? secret, [NotNullWhen(false)] out string? error)
    {
        secret = null;
        var raw = Codec.DecodeBase64OrNull(value[SecretKeyPrefix.Length..]);
        try
        {
            if (raw is null || raw.Length != 64)
            {
                error = "A 'whsk_' secret key must be 64 bytes (32-byte seed, then 32-byte public key) of standard base64 after the prefix.";
                return false;
            }

            Key? key = null;
            if (!Key.TryImport(Ed25519, raw.AsSpan(0, 32), KeyBlobFormat.RawPrivateKey, out key) || key is null)
            {
                error = "The 'whsk_' seed is not a valid Ed25519 private key.";
                return false;
            }

            var publicKey = key.PublicKey;
            // The second half is redundant; if it disagrees the secret was corrupted or spliced,
            // and signing with it would produce signatures nobody can verify.
            if (!CryptographicOperations.FixedTimeEquals(publicKey.Export(KeyBlobFormat.RawPublicKey), raw.AsSpan(32)))
            {
                key.Dispose();
                error = "The 'whsk_' secret key's public half does not match its seed.";
                return false;
            }

            secret = new StandardWebhookSecret(StandardWebhookSecretKind.Ed25519SecretKey, value, null, key, publicKey);
            error = null;
            return true;
        }
        finally
        {
            if (raw is not null)
            {
                CryptographicOperations.ZeroMemory(raw);
            }
        }
    }
}
