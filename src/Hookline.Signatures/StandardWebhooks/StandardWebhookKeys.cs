using NSec.Cryptography;

namespace Hookline.Signatures.StandardWebhooks;

/// <summary>The verification half of a set of secrets: HMAC keys and Ed25519 public keys, decoded once.</summary>
internal sealed class StandardWebhookKeys
{
    private StandardWebhookKeys(byte[][] hmacKeys, PublicKey[] publicKeys)
    {
        HmacKeys = hmacKeys;
        PublicKeys = publicKeys;
    }

    public byte[][] HmacKeys { get; }

    public PublicKey[] PublicKeys { get; }

    public static StandardWebhookKeys From(IReadOnlyList<StandardWebhookSecret> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0)
        {
            throw new ArgumentException("At least one secret is needed to verify.", nameof(secrets));
        }

        var hmac = new List<byte[]>();
        var publicKeys = new List<PublicKey>();
        foreach (var secret in secrets)
        {
            ArgumentNullException.ThrowIfNull(secret, nameof(secrets));
            if (secret.HmacKey is { } key)
            {
                hmac.Add((byte[])key.Clone());
            }
            else if (secret.PublicKey is { } publicKey)
            {
                publicKeys.Add(publicKey);
            }
        }

        return new StandardWebhookKeys(hmac.ToArray(), publicKeys.ToArray());
    }
}
