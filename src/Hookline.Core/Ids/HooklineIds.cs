using System.Security.Cryptography;

namespace Hookline.Core.Ids;

/// <summary>
/// Prefixed, time-sortable identifiers (<c>app_</c>, <c>ep_</c>, <c>msg_</c>, <c>atmpt_</c>, <c>src_</c>, …).
/// 16 bytes — 48-bit Unix milliseconds then 80 random bits — written as 22 base62 characters
/// whose ASCII order is their numeric order, so ids sort by creation time in any binary collation.
/// </summary>
public static class HooklineIds
{
    public const string Application = "app_";
    public const string Endpoint = "ep_";
    public const string Message = "msg_";
    public const string Attempt = "atmpt_";
    public const string Source = "src_";
    public const string Task = "qtask_";
    public const string IngestRequest = "ireq_";

    /// <summary>Svix Ingest names its log entries <c>log…</c> (no underscore).</summary>
    public const string IngestLog = "log";

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int EncodedLength = 22;

    public static string New(string prefix, TimeProvider time) => New(prefix, time.GetUtcNow());

    public static string New(string prefix, DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)Math.Max(0, at.ToUnixTimeMilliseconds());
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }
        RandomNumberGenerator.Fill(bytes[6..]);
        return string.Create(prefix.Length + EncodedLength, (prefix, bytes.ToArray()), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            Encode(state.Item2, span[state.prefix.Length..]);
        });
    }

    /// <summary>The smallest id of the given prefix created at <paramref name="at"/>; for time-range queries over ids.</summary>
    public static string Lowest(string prefix, DateTimeOffset at)
    {
        var bytes = new byte[16];
        var ms = (ulong)Math.Max(0, at.ToUnixTimeMilliseconds());
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }
        var chars = new char[EncodedLength];
        Encode(bytes, chars);
        return prefix + new string(chars);
    }

    /// <summary>
    /// When an id of the given prefix was created (millisecond precision): the inverse of <see cref="New(string, DateTimeOffset)"/>'s
    /// time part. Null when <paramref name="id"/> is not such an id.
    /// </summary>
    public static DateTimeOffset? TimeOf(string id, string prefix)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!HasPrefix(id, prefix))
        {
            return null;
        }
        UInt128 n = 0;
        foreach (var ch in id.AsSpan(prefix.Length))
        {
            var digit = Alphabet.IndexOf(ch, StringComparison.Ordinal);
            if (digit < 0)
            {
                return null;
            }
            n = unchecked((n * 62) + (uint)digit);
        }
        // The first 6 of the 16 bytes are the Unix milliseconds.
        return DateTimeOffset.FromUnixTimeMilliseconds((long)(ulong)(n >> 80));
    }

    /// <summary>Whether <paramref name="value"/> looks like an id with this prefix (as opposed to a uid).</summary>
    public static bool HasPrefix(string value, string prefix) =>
        value.StartsWith(prefix, StringComparison.Ordinal) && value.Length == prefix.Length + EncodedLength;

    private static void Encode(ReadOnlySpan<byte> bytes, Span<char> output)
    {
        // Big-number base conversion; 16 bytes → 22 digits (62^22 > 2^128).
        Span<byte> n = stackalloc byte[16];
        bytes.CopyTo(n);
        for (var pos = EncodedLength - 1; pos >= 0; pos--)
        {
            var remainder = 0;
            for (var i = 0; i < n.Length; i++)
            {
                var acc = (remainder << 8) | n[i];
                n[i] = (byte)(acc / 62);
                remainder = acc % 62;
            }
            output[pos] = Alphabet[remainder];
        }
    }
}
