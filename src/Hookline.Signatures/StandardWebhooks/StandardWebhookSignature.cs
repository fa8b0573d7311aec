using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using Hookline.Signatures.Internal;
using NSec.Cryptography;

namespace Hookline.Signatures.StandardWebhooks;

/// <summary>
/// Standard Webhooks signing and verification on raw values. Signed content is
/// <c>{id}.{timestamp}.{body}</c>; <c>v1</c> is base64 HMAC-SHA256, <c>v1a</c> is base64 Ed25519.
/// </summary>
public static class StandardWebhookSignature
{
    /// <summary>At most this many entries of a signature header are looked at; more is refused as malformed (bounds Ed25519 work per request).</summary>
    public const int MaxSignaturesPerHeader = 32;

    private const int V1Length = 32;
    private const int V1aLength = 64;

    // "v1," + 44 base64 chars; "v1a," + 88 base64 chars; one separating space each.
    private const int MaxEntryChars = 4 + 88 + 1;

    /// <summary>
    /// Computes the <c>webhook-signature</c> header value: one space-separated signature per secret
    /// (<c>v1,…</c> for <c>whsec_</c>, <c>v1a,…</c> for <c>whsk_</c>), in the order given.
    /// </summary>
    /// <param name="messageId">The <c>webhook-id</c> value.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> value, in Unix seconds.</param>
    /// <param name="body">The exact body bytes that will be sent.</param>
    /// <param name="secrets">One or more signing secrets (public keys cannot sign).</param>
    /// <returns>The header value.</returns>
    public static string Sign(string messageId, long timestamp, ReadOnlySpan<byte> body, params ReadOnlySpan<StandardWebhookSecret> secrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        if (secrets.IsEmpty)
        {
            throw new ArgumentException("At least one secret is needed to sign.", nameof(secrets));
        }

        var content = new ContentBuilder(messageId.Length * 3 + 22 + body.Length);
        char[]? rented = null;
        try
        {
            AppendSignedContent(ref content, messageId, timestamp, body);
            var capacity = secrets.Length * MaxEntryChars;
            var chars = capacity <= 1024 ? stackalloc char[capacity] : (rented = ArrayPool<char>.Shared.Rent(capacity));
            var length = 0;
            Span<byte> signature = stackalloc byte[V1aLength];
            foreach (var secret in secrets)
            {
                ArgumentNullException.ThrowIfNull(secret, nameof(secrets));
                if (length > 0)
                {
                    chars[length++] = ' ';
                }

                int size;
                if (secret.HmacKey is { } key)
                {
                    "v1,".CopyTo(chars[length..]);
                    length += 3;
                    size = HMACSHA256.HashData(key, content.Written, signature);
                }
                else if (secret.SigningKey is { } signingKey)
                {
                    "v1a,".CopyTo(chars[length..]);
                    length += 4;
                    SignatureAlgorithm.Ed25519.Sign(signingKey, content.Written, signature);
                    size = V1aLength;
                }
                else
                {
                    throw new ArgumentException("A 'whpk_' public key cannot sign; pass the 'whsk_' secret key.", nameof(secrets));
                }

                Convert.TryToBase64Chars(signature[..size], chars[length..], out var written);
                length += written;
            }

            return new string(chars[..length]);
        }
        finally
        {
            content.Dispose();
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Computes the <c>webhook-signature</c> header value; see <see cref="Sign(string, long, ReadOnlySpan{byte}, ReadOnlySpan{StandardWebhookSecret})"/>.</summary>
    /// <param name="messageId">The <c>webhook-id</c> value.</param>
    /// <param name="timestamp">The time of this attempt (whole seconds are signed).</param>
    /// <param name="body">The exact body bytes that will be sent.</param>
    /// <param name="secrets">One or more signing secrets.</param>
    /// <returns>The header value.</returns>
    public static string Sign(string messageId, DateTimeOffset timestamp, ReadOnlySpan<byte> body, params ReadOnlySpan<StandardWebhookSecret> secrets) =>
        Sign(messageId, timestamp.ToUnixTimeSeconds(), body, secrets);

    /// <summary>
    /// Checks raw header values against <paramref name="secrets"/> (any one valid signature passes)
    /// including timestamp freshness.
    /// </summary>
    /// <param name="messageId">The <c>webhook-id</c> value.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> value as received.</param>
    /// <param name="signatureHeader">The <c>webhook-signature</c> value as received.</param>
    /// <param name="body">The raw body bytes.</param>
    /// <param name="secrets">The secrets or public keys to accept.</param>
    /// <param name="tolerance">Allowed clock difference in both directions; 5 minutes when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The outcome; <see cref="VerificationResult.DeliveryId"/> is <paramref name="messageId"/>.</returns>
    public static VerificationResult Verify(
        string messageId,
        string timestamp,
        string signatureHeader,
        ReadOnlySpan<byte> body,
        IReadOnlyList<StandardWebhookSecret> secrets,
        TimeSpan? tolerance = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(signatureHeader);
        var keys = StandardWebhookKeys.From(secrets);
        return Verify(
            keys,
            messageId,
            timestamp,
            signatureHeader,
            body,
            tolerance ?? StandardWebhookVerifier.DefaultTolerance,
            timeProvider ?? TimeProvider.System,
            StandardWebhookHeaders.Id,
            StandardWebhookHeaders.Timestamp,
            StandardWebhookHeaders.Signature);
    }

    internal static VerificationResult Verify(
        StandardWebhookKeys keys,
        string messageId,
        string timestampText,
        string signatureHeader,
        ReadOnlySpan<byte> body,
        TimeSpan tolerance,
        TimeProvider time,
        string idHeader,
        string timestampHeader,
        string signatureHeaderName)
    {
        if (messageId.Length == 0)
        {
            return Failures.MalformedHeader(idHeader, "it is empty.");
        }

        if (!Tolerance.TryParseUnixSeconds(timestampText, out var seconds, out var signedAt))
        {
            return Failures.MalformedHeader(timestampHeader, "expected Unix seconds (digits only).");
        }

        if (Tolerance.Check(signedAt, tolerance, time, timestampHeader) is { } stale)
        {
            return stale;
        }

        var content = new ContentBuilder(messageId.Length * 3 + 22 + body.Length);
        try
        {
            AppendSignedContent(ref content, messageId, seconds, body);
            var signed = content.Written;

            // One HMAC per symmetric key, computed lazily on the first v1 entry and reused for
            // every v1 entry in the header.
            var hmacKeys = keys.HmacKeys;
            Span<byte> macs = hmacKeys.Length <= 8 ? stackalloc byte[hmacKeys.Length * V1Length] : new byte[hmacKeys.Length * V1Length];
            var macsReady = false;
            Span<byte> decoded = stackalloc byte[V1aLength];
            var header = signatureHeader.AsSpan();
            var tried = 0;
            var entries = 0;
            var malformed = 0;

            while (!header.IsEmpty)
            {
                var space = header.IndexOf(' ');
                var entry = space < 0 ? header : header[..space];
                header = space < 0 ? ReadOnlySpan<char>.Empty : header[(space + 1)..];
                if (entry.IsEmpty)
                {
                    continue;
                }

                if (++entries > MaxSignaturesPerHeader)
                {
                    return Failures.MalformedHeader(signatureHeaderName, string.Create(CultureInfo.InvariantCulture, $"more than {MaxSignaturesPerHeader} signatures."));
                }

                var comma = entry.IndexOf(',');
                if (comma <= 0)
                {
                    malformed++;
                    continue;
                }

                var version = entry[..comma];
                var value = entry[(comma + 1)..];
                if (version.SequenceEqual("v1") && hmacKeys.Length > 0)
                {
                    if (value.Length != 44 || !Convert.TryFromBase64Chars(value, decoded, out var written) || written != V1Length)
                    {
                        malformed++;
                        continue;
                    }

                    if (!macsReady)
                    {
                        for (var i = 0; i < hmacKeys.Length; i++)
                        {
                            HMACSHA256.HashData(hmacKeys[i], signed, macs.Slice(i * V1Length, V1Length));
                        }

                        macsReady = true;
                    }

                    tried++;
                    for (var i = 0; i < hmacKeys.Length; i++)
                    {
                        if (CryptographicOperations.FixedTimeEquals(macs.Slice(i * V1Length, V1Length), decoded[..V1Length]))
                        {
                            return VerificationResult.Success(messageId, signedAt);
                        }
                    }
                }
                else if (version.SequenceEqual("v1a") && keys.PublicKeys.Length > 0)
                {
                    if (value.Length != 88 || !Convert.TryFromBase64Chars(value, decoded, out var written) || written != V1aLength)
                    {
                        malformed++;
                        continue;
                    }

                    tried++;
                    foreach (var publicKey in keys.PublicKeys)
                    {
                        if (SignatureAlgorithm.Ed25519.Verify(publicKey, signed, decoded))
                        {
                            return VerificationResult.Success(messageId, signedAt);
                        }
                    }
                }
            }

            if (tried == 0 && malformed > 0)
            {
                return Failures.MalformedHeader(signatureHeaderName, "no entry of the form 'v1,<base64>' or 'v1a,<base64>' with a valid signature length.");
            }

            if (tried == 0)
            {
                var wanted = keys.HmacKeys.Length > 0 && keys.PublicKeys.Length > 0 ? "'v1' or 'v1a'" : keys.HmacKeys.Length > 0 ? "'v1' (HMAC)" : "'v1a' (Ed25519)";
                return VerificationResult.Fail(
                    VerificationFailure.NoMatchingSignature,
                    $"Header '{signatureHeaderName}' holds no {wanted} signature, the only kind the configured secret can check.",
                    signatureHeaderName);
            }

            return Failures.NoMatch(signatureHeaderName, tried);
        }
        finally
        {
            content.Dispose();
        }
    }

    private static void AppendSignedContent(ref ContentBuilder content, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        content.Append(messageId.AsSpan());
        content.Append((byte)'.');
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(timestamp, digits, out var written);
        content.Append(digits[..written]);
        content.Append((byte)'.');
        content.Append(body);
    }
}
