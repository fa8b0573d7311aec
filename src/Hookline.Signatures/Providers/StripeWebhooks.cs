using System.Globalization;
using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Stripe: <c>Stripe-Signature: t=&lt;unix&gt;,v1=&lt;hex&gt;[,v1=…][,v0=…]</c>; signed content
/// <c>{t}.{body}</c>, HMAC-SHA256 keyed with the whole <c>whsec_…</c> string as UTF-8 (not
/// base64-decoded); any <c>v1</c> may match; <c>v0</c> is ignored; 5 minutes tolerance.
/// Delivery id: the event <c>id</c> from the JSON body.
/// </summary>
public static class StripeWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "Stripe-Signature";

    /// <summary>The default tolerance: 300 seconds, as Stripe's libraries use.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(300);

    /// <summary>Creates a verifier.</summary>
    /// <param name="endpointSecret">The endpoint's signing secret, <c>whsec_…</c>, exactly as Stripe shows it.</param>
    /// <param name="tolerance">Allowed clock difference; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string endpointSecret, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new Verifier(Key(endpointSecret), tolerance ?? DefaultTolerance, timeProvider ?? TimeProvider.System);

    /// <summary>Creates a signer producing <c>Stripe-Signature: t=…,v1=…</c>.</summary>
    /// <param name="endpointSecret">The endpoint's signing secret.</param>
    /// <param name="timeProvider">The clock for <c>t</c>.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string endpointSecret, TimeProvider? timeProvider = null) =>
        new Signer(Key(endpointSecret), timeProvider ?? TimeProvider.System);

    /// <summary>Computes a <c>Stripe-Signature</c> header value for a given time.</summary>
    /// <param name="endpointSecret">The endpoint's signing secret.</param>
    /// <param name="timestamp">Unix seconds for <c>t</c>.</param>
    /// <param name="body">The exact body bytes.</param>
    /// <returns>The header value.</returns>
    public static string ComputeHeader(string endpointSecret, long timestamp, ReadOnlySpan<byte> body) => Format(Key(endpointSecret), timestamp, body);

    internal static string? CheckSecret(string secret) =>
        secret.StartsWith("whsec_", StringComparison.Ordinal) ? null
        : secret.StartsWith("sk_", StringComparison.Ordinal) || secret.StartsWith("rk_", StringComparison.Ordinal) || secret.StartsWith("pk_", StringComparison.Ordinal)
            ? "This is a Stripe API key, not a webhook signing secret; use the endpoint's signing secret ('whsec_…')."
            : "Stripe webhook signing secrets start with 'whsec_'; copy it from the endpoint's page (or 'stripe listen').";

    private static byte[] Key(string secret)
    {
        SecretRules.Require(secret, "Stripe signing secret", nameof(secret));
        return CheckSecret(secret) is { } error ? throw new ArgumentException(error, nameof(secret)) : Encoding.UTF8.GetBytes(secret);
    }

    private static string Format(byte[] key, long timestamp, ReadOnlySpan<byte> body)
    {
        var t = timestamp.ToString(CultureInfo.InvariantCulture);
        Span<byte> mac = stackalloc byte[32];
        TimestampedSignatureHeader.ComputeMac(key, t, (byte)'.', body, mac);
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private sealed class Signer(byte[] key, TimeProvider time) : IWebhookSigner
    {
        public string Type => "stripe";

        public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null) =>
            [new(SignatureHeader, Format(key, time.GetUtcNow().ToUnixTimeSeconds(), body))];
    }

    private sealed class Verifier(byte[] key, TimeSpan tolerance, TimeProvider time) : IWebhookVerifier, IExplainingVerifier
    {
        public string Type => "stripe";

        public SignatureExplanation Explain(WebhookRequest request) =>
            TimestampedSignatureHeader.Explain(request, key, SignatureHeader, ',', "t", "v1", (byte)'.');

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (Failures.Require(request.Headers, SignatureHeader, out var header) is { } missing)
            {
                return missing;
            }

            var parsed = TimestampedSignatureHeader.Parse(header, ',', "t", "v1");
            if (parsed.ConflictingTimestamp)
            {
                return Failures.MalformedHeader(SignatureHeader, "more than one 't=' timestamp.");
            }

            var t = parsed.Timestamp;
            if (t is null)
            {
                return Failures.MalformedHeader(SignatureHeader, "no 't=' timestamp.");
            }

            if (!Tolerance.TryParseUnixSeconds(t, out _, out var signedAt))
            {
                return Failures.MalformedHeader(SignatureHeader, "'t=' is not Unix seconds.");
            }

            if (parsed.Signatures.Count == 0)
            {
                return VerificationResult.Fail(VerificationFailure.NoMatchingSignature, $"Header '{SignatureHeader}' holds no 'v1=' signature (only v1 is accepted).", SignatureHeader);
            }

            // Signature before timestamp would let anyone probe for the tolerance without a key;
            // Stripe's libraries check the signature first as well, so the messages line up.
            Span<byte> expected = stackalloc byte[32];
            TimestampedSignatureHeader.ComputeMac(key, t, (byte)'.', request.Body.Span, expected);
            var matched = parsed.Matches(expected, out var tried);
            if (tried == 0)
            {
                return Failures.MalformedHeader(SignatureHeader, "no 'v1=' value is 64 hex characters.");
            }

            if (!matched)
            {
                return Failures.NoMatch(SignatureHeader, tried);
            }

            if (Tolerance.Check(signedAt, tolerance, time, SignatureHeader) is { } stale)
            {
                return stale;
            }

            return VerificationResult.Success(JsonPeek.GetScalar(request.Body.Span, "id"), signedAt);
        }
    }
}
