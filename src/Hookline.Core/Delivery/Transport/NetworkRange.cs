using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hookline.Core.Delivery.Transport.Internal;

namespace Hookline.Core.Delivery.Transport;

/// <summary>
/// An IPv4 or IPv6 network in CIDR notation (<c>10.1.0.0/16</c>, <c>fd00::/8</c>,
/// <c>169.254.169.254/32</c>). An IPv4-mapped IPv6 address (<c>::ffff:10.1.2.3</c>) is treated as
/// its IPv4 address both when a range is parsed and when an address is tested.
/// </summary>
public sealed class NetworkRange : IEquatable<NetworkRange>
{
    private readonly UInt128 _bits;
    private readonly UInt128 _mask;

    /// <summary>Creates a range from its first address and prefix length.</summary>
    /// <exception cref="ArgumentException">The prefix is out of range or the address has host bits set.</exception>
    public NetworkRange(IPAddress baseAddress, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (baseAddress.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("Only IPv4 and IPv6 networks are supported.", nameof(baseAddress));
        }

        // ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8 in disguise.
        if (baseAddress.IsIPv4MappedToIPv6 && prefixLength >= 96)
        {
            baseAddress = baseAddress.MapToIPv4();
            prefixLength -= 96;
        }

        var width = AddressBits.Width(baseAddress.AddressFamily);
        if (prefixLength < 0 || prefixLength > width)
        {
            throw new ArgumentException($"The prefix length must be between 0 and {width}.", nameof(prefixLength));
        }

        var mask = AddressBits.Mask(prefixLength, width);
        var bits = AddressBits.ToBits(baseAddress);
        if ((bits & ~mask & AddressBits.Mask(width, width)) != 0)
        {
            // Refuse rather than silently widen: "10.1.2.3/16" is more likely a typo than a wish.
            var network = AddressBits.FromBits(bits & mask, baseAddress.AddressFamily);
            throw new ArgumentException(
                $"{baseAddress}/{prefixLength} has host bits set; did you mean {network}/{prefixLength}?", nameof(baseAddress));
        }

        _bits = bits;
        _mask = mask;
        AddressFamily = baseAddress.AddressFamily;
        PrefixLength = prefixLength;
        BaseAddress = AddressBits.FromBits(bits, AddressFamily);
    }

    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>.</summary>
    public AddressFamily AddressFamily { get; }

    /// <summary>The first address of the network.</summary>
    public IPAddress BaseAddress { get; }

    /// <summary>The number of leading bits that identify the network.</summary>
    public int PrefixLength { get; }

    /// <summary>Parses CIDR notation; a bare address is a single-address range (/32 or /128).</summary>
    /// <exception cref="FormatException">The text is not a CIDR range; the message says why.</exception>
    public static NetworkRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var range, out var error)
            ? range
            : throw new FormatException($"'{text}' is not a network range: {error}");
    }

    /// <summary>Parses CIDR notation; a bare address is a single-address range.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out NetworkRange? range) =>
        TryParse(text, out range, out _);

    /// <summary>Parses CIDR notation and says why when it fails.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out NetworkRange? range,
        [NotNullWhen(false)] out string? error)
    {
        range = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it is empty";
            return false;
        }

        var s = text.AsSpan().Trim();
        var slash = s.IndexOf('/');
        var addressText = slash < 0 ? s : s[..slash];

        if (!TryParseStrictAddress(addressText, out var address))
        {
            error = "write an IPv4 address as four decimal numbers (10.1.0.0) or an IPv6 address (fd00::), followed by /prefix";
            return false;
        }

        var width = AddressBits.Width(address.AddressFamily);
        var prefixLength = width;
        if (slash >= 0 && !int.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefixLength))
        {
            error = "the prefix length after '/' must be a number";
            return false;
        }

        try
        {
            range = new NetworkRange(address, prefixLength);
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message.Split(" (Parameter", 2)[0];
            return false;
        }
    }

    /// <summary>Whether the address is inside this network (IPv4-mapped IPv6 counts as IPv4; zone ids are ignored).</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = AddressBits.Normalize(address);
        return address.AddressFamily == AddressFamily
            && (AddressBits.ToBits(address) & _mask) == _bits;
    }

    public bool Equals(NetworkRange? other) =>
        other is not null && other.AddressFamily == AddressFamily && other.PrefixLength == PrefixLength && other._bits == _bits;

    public override bool Equals(object? obj) => Equals(obj as NetworkRange);

    public override int GetHashCode() => HashCode.Combine(AddressFamily, PrefixLength, _bits);

    /// <summary>CIDR notation, e.g. <c>10.1.0.0/16</c>.</summary>
    public override string ToString() => $"{BaseAddress}/{PrefixLength}";

    // Configuration must be unambiguous: IPAddress.Parse would read "10.1" as 10.0.0.1 and
    // "010.0.0.0" as octal. Ranges accept only dotted-quad decimal IPv4 and plain IPv6 (no zone).
    private static bool TryParseStrictAddress(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty || text.Contains('%'))
        {
            return false;
        }
        if (!text.Contains(':'))
        {
            var parts = 0;
            foreach (var part in text.ToString().Split('.'))
            {
                parts++;
                if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0'))
                {
                    return false;
                }
            }
            if (parts != 4)
            {
                return false;
            }
        }
        return IPAddress.TryParse(text, out address);
    }
}
