using System.Globalization;
using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Paddle Billing: <c>Paddle-Signature: ts=&lt;unix&gt;;h1=&lt;hex&gt;[;h1=…]</c>; signed content
/// <c>{ts}:{body}</c>, HMAC-SHA256 with the destination's secret key; any <c>h1</c> may match.
/// Paddle's SDKs allow only 5 seconds of skew, which is the default here too. Delivery id: the
/// body's <c>event_id</c>.
/// </summary>
public static class PaddleWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "Paddle-Signature";

    /// <summary>The default tolerance: 5 seconds, as Paddle's SDKs use.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(5);

    /// <summary>Creates a verifier.</summary>
    /// <param name="secretKey">The notification destination's secret key.</param>
    /// <param name="tolerance">Allowed clock difference; <see cref="DefaultTolerance"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string secretKey, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) =>
        new Verifier(Key(secretKey), tolerance ?? DefaultTolerance, timeProvider ?? TimeProvider.System);

    /// <summary>Creates a signer.</summary>
    /// <param name="secretKey">The secret key.</param>
    /// <param name="timeProvider">The clock for <c>ts</c>.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string secretKey, TimeProvider? timeProvider = null) =>
        new Signer(Key(secretKey), timeProvider ?? TimeProvider.System);

    private static byte[] Key(string secret) => Encoding.UTF8.GetBytes(SecretRules.Require(secret, "Paddle secret key", nameof(secret)));

    private sealed class Signer(byte[] key, TimeProvider time) : IWebhookSigner
    {
        public string Type => "paddle";

        public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null)
        {
            var ts = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            Span<byte> mac = stackalloc byte[32];
            TimestampedSignatureHeader.ComputeMac(key, ts, (byte)':', body, mac);
            return [new(SignatureHeader, $"ts={ts};h1={Convert.ToHexStringLower(mac)}")];
        }
    }

    private sealed class Verifier(byte[] key, TimeSpan tolerance, TimeProvider time) : IWebhookVerifier, IExplainingVerifier
    {
        public string Type => "paddle";

        public SignatureExplanation Explain(WebhookRequest request) =>
            TimestampedSignatureHeader.Explain(request, key, SignatureHeader, ';', "ts", "h1", (byte)':');

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (Failures.Require(request.Headers, SignatureHeader, out var header) is { } missing)
            {
                return missing;
            }

            var parsed = TimestampedSignatureHeader.Parse(header, ';', "ts", "h1");
            if (parsed.RepeatedTimestamp)
            {
                return Failures.MalformedHeader(SignatureHeader, "more than one 'ts='.");
            }

            var ts = parsed.Timestamp;
            if (ts is null || !Tolerance.TryParseUnixSeconds(ts, out _, out var signedAt))
            {
                return Failures.MalformedHeader(SignatureHeader, "expected 'ts=<unix seconds>;h1=<hex>'.");
            }

            if (parsed.Signatures.Count == 0)
            {
                return Failures.MalformedHeader(SignatureHeader, "no 'h1=' signature.");
            }

            if (Tolerance.Check(signedAt, tolerance, time, SignatureHeader) is { } stale)
            {
                return stale;
            }

            Span<byte> expected = stackalloc byte[32];
            TimestampedSignatureHeader.ComputeMac(key, ts, (byte)':', request.Body.Span, expected);
            var matched = parsed.Matches(expected, out var tried);
            if (tried == 0)
            {
                return Failures.MalformedHeader(SignatureHeader, "no 'h1=' value is 64 hex characters.");
            }

            return matched
                ? VerificationResult.Success(JsonPeek.GetScalar(request.Body.Span, "event_id"), signedAt)
                : Failures.NoMatch(SignatureHeader, tried);
        }
    }
}
