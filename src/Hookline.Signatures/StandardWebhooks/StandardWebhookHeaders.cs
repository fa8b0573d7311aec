namespace Hookline.Signatures.StandardWebhooks;

/// <summary>Header names of the Standard Webhooks scheme and their Svix aliases.</summary>
public static class StandardWebhookHeaders
{
    /// <summary><c>webhook-id</c>: the message id, the same on every retry; receivers dedupe on it.</summary>
    public const string Id = "webhook-id";

    /// <summary><c>webhook-timestamp</c>: Unix seconds of this attempt.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary><c>webhook-signature</c>: space-separated <c>v1,…</c>/<c>v1a,…</c> signatures.</summary>
    public const string Signature = "webhook-signature";

    /// <summary><c>svix-id</c>, accepted in place of <see cref="Id"/>.</summary>
    public const string SvixId = "svix-id";

    /// <summary><c>svix-timestamp</c>, accepted in place of <see cref="Timestamp"/>.</summary>
    public const string SvixTimestamp = "svix-timestamp";

    /// <summary><c>svix-signature</c>, accepted in place of <see cref="Signature"/>.</summary>
    public const string SvixSignature = "svix-signature";
}
