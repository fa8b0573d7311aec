using System.Globalization;
using System.Security.Cryptography;
using Hookline.Signatures.Providers;

namespace Hookline.Signatures.Internal;

/// <summary>Verifies any <see cref="HmacScheme"/>. Immutable and thread-safe.</summary>
internal sealed class HmacSchemeVerifier : IWebhookVerifier, IExplainingVerifier
{
    private readonly HmacScheme _scheme;
    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public HmacSchemeVerifier(HmacScheme scheme, byte[] key, TimeProvider? timeProvider)
    {
        _scheme = scheme;
        _key = key;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Type => _scheme.Type;

    public VerificationResult Verify(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scheme = _scheme;
        var headers = request.Headers;
        var body = request.Body.Span;

        if (Failures.Require(headers, scheme.SignatureHeader, out var signatureValue) is { } missing)
        {
            return missing;
        }

        Span<byte> given = stackalloc byte[Mac.MaxSize];
        var expectedSize = Mac.SizeOf(scheme.Algorithm);
        if (!TryDecodeSignature(scheme, signatureValue, given, expectedSize, out var why))
        {
            return Failures.MalformedHeader(scheme.SignatureHeader, why);
        }

        string? id = null;
        if (scheme.IdHeader is not null && scheme.Template.UsesId)
        {
            if (Failures.Require(headers, scheme.IdHeader, out id) is { } missingId)
            {
                return missingId;
            }
        }

        string? timestampText = null;
        DateTimeOffset? signedAt = null;
        if (scheme.TimestampHeader is not null)
        {
            if (Failures.Require(headers, scheme.TimestampHeader, out timestampText) is { } missingTimestamp)
            {
                return missingTimestamp;
            }

            if (!TryParseTimestamp(scheme.TimestampFormat, timestampText, out var parsed))
            {
                return Failures.MalformedHeader(scheme.TimestampHeader, DescribeFormat(scheme.TimestampFormat));
            }

            signedAt = parsed;
        }
        else if (scheme.TimestampBodyField is not null)
        {
            timestampText = JsonPeek.GetScalar(body, scheme.TimestampBodyField);
            if (timestampText is null || !TryParseTimestamp(scheme.TimestampFormat, timestampText, out var parsed))
            {
                return Failures.MalformedBody($"The JSON body has no valid '{scheme.TimestampBodyField}' field ({DescribeFormat(scheme.TimestampFormat)}).");
            }

            signedAt = parsed;
        }

        if (signedAt is { } at && scheme.Tolerance is { } tolerance)
        {
            if (Tolerance.Check(at, tolerance, _time, scheme.TimestampHeader ?? scheme.TimestampBodyField!) is { } stale)
            {
                return stale;
            }
        }

        var url = scheme.FixedUrl ?? request.Url;
        if (scheme.Template.UsesUrl && string.IsNullOrEmpty(url))
        {
            return Failures.MissingUrl(scheme.Provider);
        }

        Span<byte> expected = stackalloc byte[Mac.MaxSize];
        var content = new ContentBuilder(body.Length + 256);
        try
        {
            scheme.Template.Write(ref content, id, timestampText, url, request.Method, body);
            Mac.Compute(scheme.Algorithm, _key, content.Written, expected);
        }
        finally
        {
            content.Dispose();
        }

        if (!CryptographicOperations.FixedTimeEquals(expected[..expectedSize], given[..expectedSize]))
        {
            return Failures.NoMatch(scheme.SignatureHeader, 1);
        }

        var deliveryId = scheme.DeliveryId?.Invoke(request);
        var handshake = scheme.Handshake?.Invoke(request);
        return VerificationResult.Success(deliveryId, signedAt, handshake);
    }

    public SignatureExplanation Explain(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scheme = _scheme;
        var missing = new List<string>();
        string? id = null;
        if (scheme.IdHeader is not null && scheme.Template.UsesId && !request.Headers.TryGetValue(scheme.IdHeader, out id))
        {
            missing.Add($"header '{scheme.IdHeader}'");
        }

        string? timestamp = null;
        if (scheme.TimestampHeader is not null && !request.Headers.TryGetValue(scheme.TimestampHeader, out timestamp))
        {
            missing.Add($"header '{scheme.TimestampHeader}'");
        }
        else if (scheme.TimestampBodyField is not null)
        {
            timestamp = JsonPeek.GetScalar(request.Body.Span, scheme.TimestampBodyField);
            if (timestamp is null)
            {
                missing.Add($"body field '{scheme.TimestampBodyField}'");
            }
        }

        var url = scheme.FixedUrl ?? request.Url;
        if (scheme.Template.UsesUrl && string.IsNullOrEmpty(url))
        {
            missing.Add("the request URL");
        }

        var content = new ContentBuilder(request.Body.Length + 256);
        try
        {
            scheme.Template.Write(ref content, id, timestamp, url, request.Method, request.Body.Span);
            var signature = scheme.Encoding == SignatureEncoding.Hex
                ? Mac.ComputeHex(scheme.Algorithm, _key, content.Written)
                : Mac.ComputeBase64(scheme.Algorithm, _key, content.Written);
            return new SignatureExplanation(
                scheme.SignatureHeader,
                $"HMAC-{scheme.Algorithm.ToString().ToUpperInvariant()}, {(scheme.Encoding == SignatureEncoding.Hex ? "hex" : "base64")}",
                content.Written.ToArray(),
                [scheme.Prefix + signature],
                missing.Count == 0 ? null : $"Missing (taken as empty): {string.Join(", ", missing)}.");
        }
        finally
        {
            content.Dispose();
        }
    }

    internal static bool TryParseTimestamp(TimestampFormat format, string text, out DateTimeOffset value)
    {
        switch (format)
        {
            case TimestampFormat.UnixSeconds:
                return Tolerance.TryParseUnixSeconds(text, out _, out value);
            case TimestampFormat.UnixMilliseconds:
                return Tolerance.TryParseUnixMilliseconds(text, out value);
            case TimestampFormat.UnixSecondsOrMilliseconds:
                // 10^11 seconds is the year 5138; anything larger is milliseconds.
                return text.Length > 11 ? Tolerance.TryParseUnixMilliseconds(text, out value) : Tolerance.TryParseUnixSeconds(text, out _, out value);
            default:
                return Tolerance.TryParseRfc3339(text, out value);
        }
    }

    private static string DescribeFormat(TimestampFormat format) => format switch
    {
        TimestampFormat.UnixSeconds => "expected Unix seconds (digits only).",
        TimestampFormat.UnixMilliseconds => "expected Unix milliseconds (digits only).",
        TimestampFormat.UnixSecondsOrMilliseconds => "expected a Unix timestamp (digits only).",
        _ => "expected an RFC 3339 timestamp such as 2024-01-02T03:04:05.123Z.",
    };

    private static bool TryDecodeSignature(HmacScheme scheme, string value, Span<byte> destination, int expectedSize, out string why)
    {
        var span = value.AsSpan();
        if (scheme.Prefix.Length > 0)
        {
            if (!span.StartsWith(scheme.Prefix, StringComparison.Ordinal))
            {
                why = $"expected '{scheme.Prefix}' followed by the signature.";
                return false;
            }

            span = span[scheme.Prefix.Length..];
        }

        bool ok;
        int written;
        if (scheme.Encoding == SignatureEncoding.Hex)
        {
            ok = span.Length == expectedSize * 2 && Codec.TryDecodeHex(span, destination, out written) && written == expectedSize;
            why = string.Create(CultureInfo.InvariantCulture, $"expected {expectedSize * 2} hex characters{(scheme.Prefix.Length > 0 ? $" after '{scheme.Prefix}'" : string.Empty)}.");
        }
        else
        {
            ok = Codec.TryDecodeBase64(span, destination, out written) && written == expectedSize;
            why = string.Create(CultureInfo.InvariantCulture, $"expected the base64 of a {expectedSize}-byte signature.");
        }

        return ok;
    }
}
