using System.Globalization;

namespace Hookline.Signatures.Internal;

/// <summary>
/// Timestamp freshness. A timestamp exactly at the tolerance is accepted, one second (or any
/// amount) beyond it is rejected — the limit is inclusive on both sides, like the Standard
/// Webhooks and Stripe reference libraries.
/// </summary>
internal static class Tolerance
{
    public static VerificationResult? Check(DateTimeOffset signedAt, TimeSpan tolerance, TimeProvider time, string header)
    {
        var skew = time.GetUtcNow() - signedAt;
        if (skew.Duration() <= tolerance)
        {
            return null;
        }

        var seconds = (long)Math.Round(skew.TotalSeconds, MidpointRounding.AwayFromZero);
        var limit = (long)tolerance.TotalSeconds;
        return skew > TimeSpan.Zero
            ? VerificationResult.Fail(
                VerificationFailure.TimestampTooOld,
                string.Create(CultureInfo.InvariantCulture, $"Timestamp in '{header}' is {seconds} s old; the tolerance is {limit} s (a replayed request, or a clock out of sync)."),
                header,
                skewSeconds: seconds)
            : VerificationResult.Fail(
                VerificationFailure.TimestampInFuture,
                string.Create(CultureInfo.InvariantCulture, $"Timestamp in '{header}' is {-seconds} s in the future; the tolerance is {limit} s (a clock out of sync)."),
                header,
                skewSeconds: seconds);
    }

    /// <summary>
    /// For schemes whose provider documents no freshness window (Discord, SendGrid): the timestamp
    /// is reported when it parses as Unix seconds, but must parse and be fresh only when a
    /// <paramref name="tolerance"/> is given. Returns the failure, or null.
    /// </summary>
    public static VerificationResult? CheckIfRequired(string timestamp, TimeSpan? tolerance, TimeProvider time, string header, out DateTimeOffset? signedAt)
    {
        signedAt = TryParseUnixSeconds(timestamp, out _, out var parsed) ? parsed : null;
        if (tolerance is not { } limit)
        {
            return null;
        }

        return signedAt is { } at
            ? Check(at, limit, time, header)
            : Failures.MalformedHeader(header, "expected Unix seconds (digits only).");
    }

    /// <summary>Parses unsigned decimal Unix seconds; no sign, spaces or fractions.</summary>
    public static bool TryParseUnixSeconds(ReadOnlySpan<char> text, out long seconds, out DateTimeOffset value)
    {
        value = default;
        // Bounded so that FromUnixTimeSeconds cannot throw (year 9999 is 253402300799).
        if (text.Length is 0 or > 12 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds > 253402300799)
        {
            seconds = 0;
            return false;
        }

        value = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>Parses unsigned Unix milliseconds.</summary>
    public static bool TryParseUnixMilliseconds(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length is 0 or > 15 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 253402300799999)
        {
            return false;
        }

        value = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return true;
    }

    /// <summary>
    /// Parses an RFC 3339 timestamp such as Twitch's <c>2019-11-16T10:11:12.634234626Z</c>. .NET
    /// parses at most 7 fractional digits, so extra digits (nanoseconds) are cut first.
    /// </summary>
    public static bool TryParseRfc3339(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length is 0 or > 64)
        {
            return false;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value)
            && text.Contains('T', StringComparison.Ordinal);
    }
}
