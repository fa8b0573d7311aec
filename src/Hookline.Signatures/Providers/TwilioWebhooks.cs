using System.Security.Cryptography;
using System.Text;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>
/// Twilio: <c>X-Twilio-Signature</c> = base64(HMAC-SHA1(auth token, URL + each POST parameter's
/// name and value, names sorted)). For JSON bodies the URL carries <c>bodySHA256=&lt;hex SHA-256(body)&gt;</c>,
/// the signature covers the URL only, and the body hash is checked too. The URL is tried with and
/// without its port, as Twilio's libraries do. Delivery id: <c>I-Twilio-Idempotency-Token</c>.
/// </summary>
public static class TwilioWebhooks
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Twilio-Signature";

    /// <summary>The idempotency (delivery id) header.</summary>
    public const string IdempotencyHeader = "I-Twilio-Idempotency-Token";

    /// <summary>Creates a verifier.</summary>
    /// <param name="authToken">The account's auth token.</param>
    /// <returns>The verifier.</returns>
    public static IWebhookVerifier CreateVerifier(string authToken) => new Verifier(Key(authToken));

    /// <summary>Creates a signer. Pass the URL to <see cref="IWebhookSigner.Sign"/>; a form body's parameters are signed.</summary>
    /// <param name="authToken">The auth token.</param>
    /// <returns>The signer.</returns>
    public static IWebhookSigner CreateSigner(string authToken) => new Signer(Key(authToken));

    /// <summary>Computes the signature for a URL and form parameters, as Twilio does.</summary>
    /// <param name="authToken">The auth token.</param>
    /// <param name="url">The full URL.</param>
    /// <param name="parameters">POST parameters (none for GET or JSON requests).</param>
    /// <returns>The base64 signature.</returns>
    public static string ComputeSignature(string authToken, string url, IEnumerable<KeyValuePair<string, string>>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        Span<byte> mac = stackalloc byte[20];
        Compute(Key(authToken), url, parameters is null ? [] : parameters.ToList(), mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>Adds <c>bodySHA256=&lt;hex SHA-256(body)&gt;</c> to a URL's query, as Twilio does for JSON bodies.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="body">The JSON body bytes.</param>
    /// <returns>The URL with the body hash parameter.</returns>
    public static string AddBodyHash(string url, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(url);
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        return url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "bodySHA256=" + hash;
    }

    internal static string? CheckSecret(string secret) => SecretRules.RejectWhsec(secret, "Twilio");

    private static byte[] Key(string secret)
    {
        SecretRules.Require(secret, "Twilio auth token", nameof(secret));
        return CheckSecret(secret) is { } error ? throw new ArgumentException(error, nameof(secret)) : Encoding.UTF8.GetBytes(secret);
    }

#pragma warning disable CA5350 // Twilio's scheme is HMAC-SHA1; not our choice.
    private static void Compute(byte[] key, string url, List<KeyValuePair<string, string>> parameters, Span<byte> destination)
    {
        var data = new StringBuilder(url);
        // Twilio's reference library sorts names by UTF-16 code unit, and for a repeated name
        // signs each distinct value once, in sorted order.
        foreach (var group in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var value in group.Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(group.Key).Append(value);
            }
        }

        HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(data.ToString()), destination);
    }
#pragma warning restore CA5350

    private static string? QueryValue(string url, string name)
    {
        var q = url.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return null;
        }

        var hash = url.IndexOf('#', q);
        var query = hash < 0 ? url.AsSpan(q + 1) : url.AsSpan(q + 1, hash - q - 1);
        foreach (var range in query.Split('&'))
        {
            var part = query[range];
            var eq = part.IndexOf('=');
            if (eq > 0 && FormBody.Decode(part[..eq]) == name)
            {
                return FormBody.Decode(part[(eq + 1)..]);
            }
        }

        return null;
    }

    /// <summary>The URL without any port, and with its port (the scheme's default when none).</summary>
    private static (string Without, string With) PortVariants(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return (url, url);
        }

        var authorityStart = schemeEnd + 3;
        var authorityEnd = url.AsSpan(authorityStart).IndexOfAny('/', '?', '#');
        authorityEnd = authorityEnd < 0 ? url.Length : authorityStart + authorityEnd;
        var authority = url.AsSpan(authorityStart, authorityEnd - authorityStart);
        var hostStart = authority.LastIndexOf('@') + 1;
        var colon = authority.LastIndexOf(':');
        var bracket = authority.LastIndexOf(']');
        var hasPort = colon >= hostStart && colon > bracket;
        var host = hasPort ? authority[..colon] : authority;
        var without = string.Concat(url.AsSpan(0, authorityStart), host, url.AsSpan(authorityEnd));
        if (hasPort)
        {
            return (without, url);
        }

        var scheme = url.AsSpan(0, schemeEnd);
        var port = scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? ":443" : scheme.Equals("http", StringComparison.OrdinalIgnoreCase) ? ":80" : null;
        return port is null ? (url, url) : (url, string.Concat(url.AsSpan(0, authorityEnd), port, url.AsSpan(authorityEnd)));
    }

    private static List<KeyValuePair<string, string>> SignedParameters(WebhookRequest request, string url)
    {
        if (QueryValue(url, "bodySHA256") is not null || !string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        if (request.Headers.TryGetValue("Content-Type", out var contentType)
            && !contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        return FormBody.Parse(request.Body.Span);
    }

    private sealed class Signer(byte[] key) : IWebhookSigner
    {
        public string Type => "twilio";

        public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null)
        {
            if (string.IsNullOrEmpty(url))
            {
                throw new ArgumentException("Twilio signs the URL; pass the URL that will be called.", nameof(url));
            }

            var parameters = QueryValue(url, "bodySHA256") is null ? FormBody.Parse(body) : [];
            Span<byte> mac = stackalloc byte[20];
            Compute(key, url, parameters, mac);
            return
            [
                new(SignatureHeader, Convert.ToBase64String(mac)),
                new(IdempotencyHeader, deliveryId ?? Guid.NewGuid().ToString()),
            ];
        }
    }

    private sealed class Verifier(byte[] key) : IWebhookVerifier
    {
        public string Type => "twilio";

        public VerificationResult Verify(WebhookRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (Failures.Require(request.Headers, SignatureHeader, out var header) is { } missing)
            {
                return missing;
            }

            if (string.IsNullOrEmpty(request.Url))
            {
                return Failures.MissingUrl("Twilio");
            }

            Span<byte> given = stackalloc byte[20];
            if (!Codec.TryDecodeBase64(header, given, out var written) || written != 20)
            {
                return Failures.MalformedHeader(SignatureHeader, "expected the base64 of a 20-byte HMAC-SHA1.");
            }

            var url = request.Url;
            var parameters = SignedParameters(request, url);
            var (without, with) = PortVariants(url);
            Span<byte> expected = stackalloc byte[20];
            Compute(key, without, parameters, expected);
            var matched = CryptographicOperations.FixedTimeEquals(expected, given);
            if (!string.Equals(without, with, StringComparison.Ordinal))
            {
                Compute(key, with, parameters, expected);
                matched |= CryptographicOperations.FixedTimeEquals(expected, given);
            }

            if (!matched)
            {
                return VerificationResult.Fail(
                    VerificationFailure.NoMatchingSignature,
                    $"The signature in '{SignatureHeader}' does not match (wrong auth token, or the URL differs from the one Twilio called: behind a proxy pass the public URL).",
                    SignatureHeader,
                    1);
            }

            // The signature covers the URL, and the URL carries the body hash; checked after the
            // signature so a forged hash parameter is never trusted.
            if (QueryValue(url, "bodySHA256") is { } bodyHash)
            {
                Span<byte> claimed = stackalloc byte[32];
                var actual = SHA256.HashData(request.Body.Span);
                if (bodyHash.Length != 64 || !Codec.TryDecodeHex(bodyHash, claimed, out _) || !CryptographicOperations.FixedTimeEquals(actual, claimed))
                {
                    return VerificationResult.Fail(VerificationFailure.BodyHashMismatch, "The body does not match the 'bodySHA256' the signed URL carries (the body was changed after signing).");
                }
            }

            return VerificationResult.Success(Failures.Optional(request.Headers, IdempotencyHeader));
        }
    }
}
