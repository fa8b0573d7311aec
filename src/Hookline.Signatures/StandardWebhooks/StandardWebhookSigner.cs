namespace Hookline.Signatures.StandardWebhooks;

/// <summary>
/// Produces Standard Webhooks headers (<c>webhook-id</c>, <c>webhook-timestamp</c>,
/// <c>webhook-signature</c>) for a body, with one signature per secret. Thread-safe.
/// </summary>
public sealed class StandardWebhookSigner : IWebhookSigner
{
    private readonly StandardWebhookSecret[] _secrets;
    private readonly TimeProvider _time;

    /// <summary>Creates a signer.</summary>
    /// <param name="secrets">The signing secrets (<c>whsec_</c> and/or <c>whsk_</c>).</param>
    /// <param name="timeProvider">The clock for <c>webhook-timestamp</c>.</param>
    /// <param name="type">The type name reported by <see cref="Type"/>.</param>
    public StandardWebhookSigner(IReadOnlyList<StandardWebhookSecret> secrets, TimeProvider? timeProvider = null, string type = "standard-webhooks")
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0)
        {
            throw new ArgumentException("At least one secret is needed to sign.", nameof(secrets));
        }

        foreach (var secret in secrets)
        {
            ArgumentNullException.ThrowIfNull(secret, nameof(secrets));
            if (!secret.CanSign)
            {
                throw new ArgumentException("A 'whpk_' public key cannot sign; pass the 'whsk_' secret key.", nameof(secrets));
            }
        }

        _secrets = secrets.ToArray();
        _time = timeProvider ?? TimeProvider.System;
        ArgumentException.ThrowIfNullOrEmpty(type);
        Type = type;
    }

    /// <inheritdoc />
    public string Type { get; }

    /// <summary>Computes the three Standard Webhooks headers; the id is a new <c>msg_</c> id when not given.</summary>
    /// <param name="body">The exact body bytes.</param>
    /// <param name="url">Unused: Standard Webhooks does not sign the URL.</param>
    /// <param name="deliveryId">The <c>webhook-id</c>.</param>
    /// <returns>The headers to add.</returns>
    public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null)
    {
        var id = deliveryId ?? "msg_" + Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        return
        [
            new(StandardWebhookHeaders.Id, id),
            new(StandardWebhookHeaders.Timestamp, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(StandardWebhookHeaders.Signature, StandardWebhookSignature.Sign(id, timestamp, body, _secrets)),
        ];
    }
}
