using Hookline.Signatures.Internal;

namespace Hookline.Signatures.StandardWebhooks;

/// <summary>
/// Verifies Standard Webhooks (and Svix) requests: <c>webhook-id</c>/<c>webhook-timestamp</c>/
/// <c>webhook-signature</c>, or the <c>svix-</c> aliases. Any valid signature for any configured
/// secret passes (rotation on either side). Immutable and thread-safe.
/// </summary>
public sealed class StandardWebhookVerifier : IWebhookVerifier, IExplainingVerifier
{
    /// <summary>The default timestamp tolerance, in both directions: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly StandardWebhookKeys _keys;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier.</summary>
    /// <param name="secrets">The secrets (<c>whsec_</c>) and/or public keys (<c>whpk_</c>, or <c>whsk_</c>) to accept.</param>
    /// <param name="tolerance">Allowed clock difference in both directions; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="type">The type name reported by <see cref="Type"/>: <c>svix</c> or <c>standard-webhooks</c>.</param>
    public StandardWebhookVerifier(IReadOnlyList<StandardWebhookSecret> secrets, TimeSpan? tolerance = null, TimeProvider? timeProvider = null, string type = "standard-webhooks")
    {
        _keys = StandardWebhookKeys.From(secrets);
        _tolerance = tolerance ?? DefaultTolerance;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_tolerance, TimeSpan.Zero, nameof(tolerance));
        _time = timeProvider ?? TimeProvider.System;
        ArgumentException.ThrowIfNullOrEmpty(type);
        Type = type;
    }

    /// <summary>Creates a verifier for one secret.</summary>
    /// <param name="secret">The secret or public key to accept.</param>
    /// <param name="tolerance">Allowed clock difference in both directions; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public StandardWebhookVerifier(StandardWebhookSecret secret, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
        : this(new[] { secret ?? throw new ArgumentNullException(nameof(secret)) }, tolerance, timeProvider)
    {
    }

    /// <inheritdoc />
    public string Type { get; }

    SignatureExplanation IExplainingVerifier.Explain(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers;
        var missing = new List<string>();
        if (!headers.TryGetValue(StandardWebhookHeaders.Id, out var id) && !headers.TryGetValue(StandardWebhookHeaders.SvixId, out id))
        {
            missing.Add($"header '{StandardWebhookHeaders.Id}'");
        }

        if (!headers.TryGetValue(StandardWebhookHeaders.Timestamp, out var timestamp) && !headers.TryGetValue(StandardWebhookHeaders.SvixTimestamp, out timestamp))
        {
            missing.Add($"header '{StandardWebhookHeaders.Timestamp}'");
        }

        var content = new ContentBuilder(request.Body.Length + 64);
        try
        {
            content.Append((id ?? string.Empty).AsSpan());
            content.Append((byte)'.');
            content.Append((timestamp ?? string.Empty).AsSpan());
            content.Append((byte)'.');
            content.Append(request.Body.Span);
            var expected = new List<string>();
            foreach (var key in _keys.HmacKeys)
            {
                expected.Add("v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(key, content.Written)));
            }

            var notes = new List<string>();
            if (missing.Count > 0)
            {
                notes.Add($"Missing (taken as empty): {string.Join(", ", missing)}.");
            }

            if (_keys.PublicKeys.Length > 0)
            {
                notes.Add("v1a (Ed25519) signatures cannot be computed from a public key; they are not shown.");
            }

            return new SignatureExplanation(
                headers.Contains(StandardWebhookHeaders.Signature) || !headers.Contains(StandardWebhookHeaders.SvixSignature) ? StandardWebhookHeaders.Signature : StandardWebhookHeaders.SvixSignature,
                "HMAC-SHA256, base64, 'v1,' prefix (space-separated list)",
                content.Written.ToArray(),
                expected,
                notes.Count == 0 ? null : string.Join(" ", notes));
        }
        finally
        {
            content.Dispose();
        }
    }

    /// <inheritdoc />
    public VerificationResult Verify(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers;
        if (Failures.Require(headers, StandardWebhookHeaders.Id, StandardWebhookHeaders.SvixId, out var id, out var idHeader) is { } missingId)
        {
            return missingId;
        }

        if (Failures.Require(headers, StandardWebhookHeaders.Timestamp, StandardWebhookHeaders.SvixTimestamp, out var timestamp, out var timestampHeader) is { } missingTimestamp)
        {
            return missingTimestamp;
        }

        var signatureHeader = StandardWebhookHeaders.Signature;
        var lookup = headers.Lookup(signatureHeader, out var signature);
        if (lookup == HeaderLookup.Missing)
        {
            signatureHeader = StandardWebhookHeaders.SvixSignature;
            lookup = headers.Lookup(signatureHeader, out signature);
            if (lookup == HeaderLookup.Missing)
            {
                return Failures.MissingHeader(StandardWebhookHeaders.Signature);
            }
        }

        if (lookup == HeaderLookup.Ambiguous)
        {
            // Several signature header lines are equivalent to one space-separated line.
            signature = string.Join(' ', headers.GetValues(signatureHeader));
        }

        return StandardWebhookSignature.Verify(_keys, id, timestamp, signature, request.Body.Span, _tolerance, _time, idHeader, timestampHeader, signatureHeader);
    }
}
