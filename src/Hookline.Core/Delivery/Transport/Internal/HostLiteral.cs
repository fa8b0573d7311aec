using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Hookline.Core.Delivery.Transport.Internal;

internal enum HostKind
{
    /// <summary>A DNS name to resolve.</summary>
    Name,
    /// <summary>An IP address, however it was spelled.</summary>
    Address,
    /// <summary><c>localhost</c> or a name under <c>.localhost</c> (RFC 6761): always loopback.</summary>
    Localhost,
    /// <summary>Looks like an IPv4 address but is not a valid one (e.g. <c>1.2.3.4.5</c>, <c>08.0.0.1</c>).</summary>
    Invalid,
}

/// <summary>
/// Classifies a URL host the way a resolver would read it, so that odd spellings of an address
/// (<c>2130706433</c>, <c>0x7f000001</c>, <c>0177.0.0.1</c>, <c>127.1</c>) are judged as the address
/// they reach. <see cref="Uri"/> already normalises most of these to dotted form, but getaddrinfo
/// accepts the same spellings, so the check must not depend on which layer parsed them.
/// </summary>
internal static class HostLiteral
{
    public static HostKind Classify(string host, out IPAddress? address, out string normalizedName)
    {
        address = null;
        var h = host.Trim();
        if (h.StartsWith('[') && h.EndsWith(']'))
        {
            h = h[1..^1];
        }

        if (h.Contains(':'))
        {
            normalizedName = h;
            return TryParseIPv6(h, out address) ? HostKind.Address : HostKind.Invalid;
        }

        // One trailing dot is the DNS root ("localhost." is localhost); IPv4 parsing ignores it too.
        if (h.EndsWith('.') && h.Length > 1)
        {
            h = h[..^1];
        }
        normalizedName = h.ToLowerInvariant();

        switch (TryParseIPv4(normalizedName, out address))
        {
            case IPv4Parse.Address:
                return HostKind.Address;
            case IPv4Parse.Invalid:
                return HostKind.Invalid;
        }

        return normalizedName == "localhost" || normalizedName.EndsWith(".localhost", StringComparison.Ordinal)
            ? HostKind.Localhost
            : HostKind.Name;
    }

    private static bool TryParseIPv6(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        // Uri hands out the zone id percent-encoded ("fe80::1%25eth0"); the zone never changes
        // which range an address is in, and a link-local address is blocked unless explicitly allowed.
        var unescaped = text.Replace("%25", "%", StringComparison.Ordinal);
        if (IPAddress.TryParse(unescaped, out address) && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return true;
        }
        var percent = unescaped.IndexOf('%', StringComparison.Ordinal);
        return percent > 0
            && IPAddress.TryParse(unescaped.AsSpan(0, percent), out address)
            && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    private enum IPv4Parse { NotIPv4, Address, Invalid }

    /// <summary>
    /// The WHATWG URL host IPv4 parser (the same leniency as inet_aton): one to four parts,
    /// each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes.
    /// A host whose last label is numeric is an IPv4 attempt, valid or not; no real DNS name
    /// has a numeric top-level label.
    /// </summary>
    private static IPv4Parse TryParseIPv4(string host, out IPAddress? address)
    {
        address = null;
        var parts = host.Split('.');
        if (!IsNumericPart(parts[^1]))
        {
            return IPv4Parse.NotIPv4;
        }
        if (parts.Length > 4)
        {
            return IPv4Parse.Invalid;
        }

        var values = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParsePart(parts[i], out values[i]))
            {
                return IPv4Parse.Invalid;
            }
        }

        ulong result = 0;
        for (var i = 0; i < values.Length - 1; i++)
        {
            if (values[i] > 255)
            {
                return IPv4Parse.Invalid;
            }
            result = (result << 8) | values[i];
        }
        var remainingBits = 8 * (5 - values.Length);
        var last = values[^1];
        if (last >= 1UL << remainingBits)
        {
            return IPv4Parse.Invalid;
        }
        result = (result << remainingBits) | last;

        address = AddressBits.FromBits(result, AddressFamily.InterNetwork);
        return IPv4Parse.Address;
    }

    private static bool IsNumericPart(string part)
    {
        if (part.Length == 0)
        {
            return false;
        }
        if (part.All(char.IsAsciiDigit))
        {
            return true;
        }
        return part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && part[2..].All(char.IsAsciiHexDigit);
    }

    private static bool TryParsePart(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0)
        {
            return false;
        }
        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            var hex = part[2..];
            // "0x" alone is zero, as in browsers; more than 8 hex digits cannot fit anyway.
            return hex.Length == 0 || (hex.Length <= 16 && ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue);
        }
        if (part.Length > 1 && part[0] == '0')
        {
            var octal = part[1..];
            if (octal.Length > 22 || !octal.All(c => c is >= '0' and <= '7'))
            {
                return false;
            }
            foreach (var c in octal)
            {
                value = (value << 3) | (uint)(c - '0');
                if (value > uint.MaxValue)
                {
                    return false;
                }
            }
            return true;
        }
        return part.All(char.IsAsciiDigit) && ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue;
    }
}
