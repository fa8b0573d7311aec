namespace Hookline.Signatures.StandardWebhooks;

/// <summary>What a <see cref="StandardWebhookSecret"/> holds.</summary>
public enum StandardWebhookSecretKind
{
    /// <summary>A symmetric HMAC-SHA256 key (<c>whsec_</c>), signs and verifies <c>v1</c>.</summary>
    Symmetric,

    /// <summary>An Ed25519 secret key (<c>whsk_</c>, seed and public key), signs and verifies <c>v1a</c>.</summary>
    Ed25519SecretKey,

    /// <summary>An Ed25519 public key (<c>whpk_</c>), verifies <c>v1a</c> only.</summary>
    Ed25519PublicKey,
}
