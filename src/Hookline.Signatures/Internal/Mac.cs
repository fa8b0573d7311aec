using System.Security.Cryptography;
using Hookline.Signatures.Providers;

namespace Hookline.Signatures.Internal;

/// <summary>One-shot HMAC helpers that write into caller-provided spans.</summary>
internal static class Mac
{
    /// <summary>The largest MAC any supported algorithm produces (SHA-512).</summary>
    public const int MaxSize = 64;

    public static int SizeOf(HmacAlgorithm algorithm) => algorithm switch
    {
        HmacAlgorithm.Sha1 => 20,
        HmacAlgorithm.Sha256 => 32,
        _ => 64,
    };

    public static int Compute(HmacAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) => algorithm switch
    {
#pragma warning disable CA5350 // Twilio, Intercom and GitHub's legacy header mandate HMAC-SHA1; HMAC-SHA1 is not broken as a MAC.
        HmacAlgorithm.Sha1 => HMACSHA1.HashData(key, data, destination),
#pragma warning restore CA5350
        HmacAlgorithm.Sha256 => HMACSHA256.HashData(key, data, destination),
        _ => HMACSHA512.HashData(key, data, destination),
    };

    /// <summary>Lower-case hex of the MAC, as most providers send it.</summary>
    public static string ComputeHex(HmacAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        Span<byte> mac = stackalloc byte[MaxSize];
        var size = Compute(algorithm, key, data, mac);
        return Convert.ToHexStringLower(mac[..size]);
    }

    /// <summary>Base64 of the MAC.</summary>
    public static string ComputeBase64(HmacAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        Span<byte> mac = stackalloc byte[MaxSize];
        var size = Compute(algorithm, key, data, mac);
        return Convert.ToBase64String(mac[..size]);
    }
}
