namespace Hookline.Signatures.Providers;

/// <summary>
/// Describes a generic HMAC signature scheme (verifier type <c>hmac</c>): which header carries the
/// signature, how it is written, and what bytes are signed.
/// </summary>
public sealed class HmacSchemeOptions
{
    /// <summary>The shared secret.</summary>
    public required string Secret { get; init; }

    /// <summary>How <see cref="Secret"/> becomes key bytes.</summary>
    /// <value>The default value is <see cref="SecretEncoding.Utf8"/>.</value>
    public SecretEncoding SecretEncoding { get; init; } = SecretEncoding.Utf8;

    /// <summary>The header that carries the signature, for example <c>X-Signature</c>.</summary>
    public required string SignatureHeader { get; init; }

    /// <summary>A literal the header value starts with before the signature, for example <c>sha256=</c>.</summary>
    /// <value>The default value is the empty string.</value>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>The hash function.</summary>
    /// <value>The default value is <see cref="HmacAlgorithm.Sha256"/>.</value>
    public HmacAlgorithm Algorithm { get; init; } = HmacAlgorithm.Sha256;

    /// <summary>How the signature is written.</summary>
    /// <value>The default value is <see cref="SignatureEncoding.Hex"/>.</value>
    public SignatureEncoding Encoding { get; init; } = SignatureEncoding.Hex;

    /// <summary>
    /// The signed content: literal text with the placeholders <c>{id}</c>, <c>{timestamp}</c>,
    /// <c>{url}</c>, <c>{method}</c> and <c>{body}</c> (the raw body bytes). Write <c>{{</c> and
    /// <c>}}</c> for literal braces.
    /// </summary>
    /// <value>The default value is <c>{body}</c>.</value>
    public string Template { get; init; } = "{body}";

    /// <summary>The header holding the delivery id (used for <c>{id}</c> and for deduplication), if any.</summary>
    public string? IdHeader { get; init; }

    /// <summary>The header holding the timestamp in Unix seconds (used for <c>{timestamp}</c> and freshness), if any.</summary>
    public string? TimestampHeader { get; init; }

    /// <summary>Allowed clock difference when <see cref="TimestampHeader"/> is set.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromMinutes(5);
}
