using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Server.Endpoints;

/// <summary>
/// Endpoint signing secrets as the API accepts and shows them: <c>whsec_</c> + base64 HMAC key
/// (24–64 bytes; a bare base64 key is read as <c>whsec_</c>, as Svix's pattern allows) or
/// <c>whsk_</c> + base64 Ed25519 secret key. A <c>whsk_</c> secret is shown as its public key
/// (<c>whpk_</c>), which is all a receiver needs to verify <c>v1a</c> signatures.
/// </summary>
internal static class EndpointSecrets
{
    /// <summary>A new 24-byte HMAC secret, the size Svix issues.</summary>
    public static string Generate()
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric();
        return secret.Export();
    }

    /// <summary>Validates a caller-supplied secret and returns it in stored form (always prefixed).</summary>
    public static bool TryNormalize(string value, out string normalized, out string error)
    {
        normalized = "";
        if (!StandardWebhookSecret.TryParse(value, out var secret, out var parseError))
        {
            error = parseError;
            return false;
        }
        using (secret)
        {
            if (!secret.CanSign)
            {
                error = "A 'whpk_' public key cannot sign; give the 'whsk_' secret key (or a 'whsec_' secret).";
                return false;
            }
            normalized = secret.Export();
            error = "";
            return true;
        }
    }

    /// <summary>What <c>GET …/secret</c> shows: HMAC secrets as they are, Ed25519 secret keys as their public key.</summary>
    public static string Display(string stored)
    {
        if (!stored.StartsWith(StandardWebhookSecret.SecretKeyPrefix, StringComparison.Ordinal)
            || !StandardWebhookSecret.TryParse(stored, out var secret, out _))
        {
            return stored;
        }
        using (secret)
        {
            using var publicKey = secret.GetPublicKey();
            return publicKey.Export();
        }
    }
}
