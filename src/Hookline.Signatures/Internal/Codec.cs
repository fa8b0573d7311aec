using System.Buffers;
using System.Buffers.Text;

namespace Hookline.Signatures.Internal;

/// <summary>Hex and base64 decoding that never throws: header values are attacker-controlled.</summary>
internal static class Codec
{
    /// <summary>Decodes hex (either case) into <paramref name="destination"/>; false on any bad input or wrong length.</summary>
    public static bool TryDecodeHex(ReadOnlySpan<char> hex, Span<byte> destination, out int written)
    {
        written = 0;
        if (hex.Length == 0 || (hex.Length & 1) != 0 || hex.Length / 2 > destination.Length)
        {
            return false;
        }

        var status = Convert.FromHexString(hex, destination, out var consumed, out written);
        return status == OperationStatus.Done && consumed == hex.Length;
    }

    /// <summary>Decodes standard base64 (with padding) into <paramref name="destination"/>; false on any bad input or overflow.</summary>
    public static bool TryDecodeBase64(ReadOnlySpan<char> base64, Span<byte> destination, out int written)
    {
        written = 0;
        if (base64.Length == 0 || base64.Length > 4 * ((destination.Length + 2) / 3))
        {
            return false;
        }

        return Convert.TryFromBase64Chars(base64, destination, out written);
    }

    /// <summary>Decodes base64 into a new array; null on bad input. For secrets and keys, not for hot paths.</summary>
    public static byte[]? DecodeBase64OrNull(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(value.Length)];
        return Convert.TryFromBase64String(value, buffer, out var written) ? buffer.AsSpan(0, written).ToArray() : null;
    }

    /// <summary>Decodes hex into a new array; null on bad input.</summary>
    public static byte[]? DecodeHexOrNull(string value)
    {
        if (value.Length == 0 || (value.Length & 1) != 0)
        {
            return null;
        }

        var buffer = new byte[value.Length / 2];
        return TryDecodeHex(value, buffer, out _) ? buffer : null;
    }
}
