using System.Security.Cryptography;

namespace Hookline.Server.Endpoints;

/// <summary>
/// Endpoint signing secrets as the API accepts and shows them: <c>whsec_</c> + base64 HMAC key
/// (24–64 bytes; a bare base64 key is read as <c>whsec_</c>, as Svix's pattern allows) or
/// <c>whsk_</c> + base64 Ed25519 secret key (32-byte seed then 32-byte public key). A <c>whsk_</c>
/// secret is shown as its public key (<c>whpk_</c>), which is all a receiver needs.
/// </summary>
/// <remarks>TODO(signatures): delegate to Hookline.Signatures' StandardWebhookSecret once it is in main.</remarks>
internal static class EndpointSecrets
{
    public const string SymmetricPrefix = "whsec_";
    public const string SecretKeyPrefix = "whsk_";
    public const string PublicKeyPrefix = "whpk_";

    public static string Generate() => SymmetricPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>Validates a caller-supplied secret and returns it in stored form.</summary>
    public static bool TryNormalize(string value, out string normalized, out string error)
    {
        normalized = "";
        if (value.StartsWith(SecretKeyPrefix, StringComparison.Ordinal))
        {
            var raw = Decode(value[SecretKeyPrefix.Length..]);
            if (raw is not { Length: 64 })
            {
                error = "A 'whsk_' secret must be 64 bytes of base64 after the prefix (Ed25519 seed then public key).";
                return false;
            }
            normalized = value;
            error = "";
            return true;
        }
        var body = value.StartsWith(SymmetricPrefix, StringComparison.Ordinal) ? value[SymmetricPrefix.Length..] : value;
        var key = Decode(body);
        if (key is null)
        {
            error = "The secret must be 'whsec_' followed by base64 (or a 'whsk_' Ed25519 key).";
            return false;
        }
        if (key.Length is < 24 or > 64)
        {
            error = $"The secret must decode to 24–64 bytes; it decodes to {key.Length}.";
            return false;
        }
        normalized = SymmetricPrefix + body;
        error = "";
        return true;
    }

    /// <summary>What <c>GET …/secret</c> shows: HMAC secrets as they are, Ed25519 secret keys as their public key.</summary>
    public static string Display(string stored)
    {
        if (stored.StartsWith(SecretKeyPrefix, StringComparison.Ordinal) && Decode(stored[SecretKeyPrefix.Length..]) is { Length: 64 } raw)
        {
            return PublicKeyPrefix + Convert.ToBase64String(raw.AsSpan(32));
        }
        return stored;
    }

    private static byte[]? Decode(string base64)
    {
        if (base64.Length == 0 || base64.Length > 200)
        {
            return null;
        }
        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
    }
}
