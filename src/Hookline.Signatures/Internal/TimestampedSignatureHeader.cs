using System.Security.Cryptography;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Signatures.Internal;

/// <summary>
/// A signature header of <c>name=value</c> items holding one timestamp and any number of hex
/// HMAC-SHA256 signatures over <c>{timestamp}{separator}{body}</c>: Stripe's
/// <c>t=…,v1=…[,v1=…]</c> and Paddle's <c>ts=…;h1=…[;h1=…]</c>. Items with other names (Stripe's
/// <c>v0</c>, schemes to come) are skipped; at most
/// <see cref="StandardWebhookSignature.MaxSignaturesPerHeader"/> signatures are kept. What counts
/// as malformed, and in which order the checks run, stays with each provider.
/// </summary>
internal sealed class TimestampedSignatureHeader
{
    private readonly List<string> _signatures = new(2);

    private TimestampedSignatureHeader()
    {
    }

    /// <summary>The first timestamp item's value, or null when there is none.</summary>
    public string? Timestamp { get; private set; }

    /// <summary>The timestamp item appears more than once.</summary>
    public bool RepeatedTimestamp { get; private set; }

    /// <summary>The timestamp item appears more than once with different values.</summary>
    public bool ConflictingTimestamp { get; private set; }

    /// <summary>The signature items' values, as sent.</summary>
    public IReadOnlyList<string> Signatures => _signatures;

    public static TimestampedSignatureHeader Parse(string header, char separator, string timestampName, string signatureName)
    {
        var parsed = new TimestampedSignatureHeader();
        foreach (var range in header.AsSpan().Split(separator))
        {
            var item = header.AsSpan(range).Trim();
            var eq = item.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var name = item[..eq];
            var value = item[(eq + 1)..];
            if (name.SequenceEqual(timestampName))
            {
                if (parsed.Timestamp is null)
                {
                    parsed.Timestamp = value.ToString();
                }
                else
                {
                    parsed.RepeatedTimestamp = true;
                    parsed.ConflictingTimestamp |= !value.SequenceEqual(parsed.Timestamp);
                }
            }
            else if (name.SequenceEqual(signatureName) && parsed._signatures.Count < StandardWebhookSignature.MaxSignaturesPerHeader)
            {
                parsed._signatures.Add(value.ToString());
            }
        }

        return parsed;
    }

    /// <summary>The signed content and expected signature item for a request (for <c>verify --explain</c>).</summary>
    public static SignatureExplanation Explain(WebhookRequest request, byte[] key, string headerName, char separator, string timestampName, string signatureName, byte contentSeparator)
    {
        string? note = null;
        var timestamp = "";
        if (!request.Headers.TryGetValue(headerName, out var header))
        {
            note = $"Missing (taken as empty): header '{headerName}'.";
        }
        else if (Parse(header, separator, timestampName, signatureName).Timestamp is { } t)
        {
            timestamp = t;
        }
        else
        {
            note = $"Missing (taken as empty): '{timestampName}=' in '{headerName}'.";
        }

        var content = new ContentBuilder(request.Body.Length + 24);
        try
        {
            content.Append(timestamp.AsSpan());
            content.Append(contentSeparator);
            content.Append(request.Body.Span);
            var mac = HMACSHA256.HashData(key, content.Written);
            return new SignatureExplanation(headerName, "HMAC-SHA256, hex", content.Written.ToArray(), [$"{signatureName}={Convert.ToHexStringLower(mac)}"], note);
        }
        finally
        {
            content.Dispose();
        }
    }

    /// <summary>HMAC-SHA256 of <c>{timestamp}{separator}{body}</c> into <paramref name="destination"/> (32 bytes).</summary>
    public static void ComputeMac(byte[] key, string timestamp, byte separator, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        var content = new ContentBuilder(body.Length + 24);
        try
        {
            content.Append(timestamp.AsSpan());
            content.Append(separator);
            content.Append(body);
            HMACSHA256.HashData(key, content.Written, destination);
        }
        finally
        {
            content.Dispose();
        }
    }

    /// <summary>
    /// Whether any signature equals <paramref name="expected"/>, every well-formed one (64 hex
    /// characters) compared in constant time; <paramref name="tried"/> counts those.
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> expected, out int tried)
    {
        Span<byte> given = stackalloc byte[32];
        tried = 0;
        var matched = false;
        foreach (var signature in _signatures)
        {
            if (signature.Length != 64 || !Codec.TryDecodeHex(signature, given, out _))
            {
                continue;
            }

            tried++;
            matched |= CryptographicOperations.FixedTimeEquals(expected, given);
        }

        return matched;
    }
}
