using System.Net;
using System.Net.Sockets;

namespace Hookline.Core.Delivery.Transport.Internal;

/// <summary>What <c>AllowPrivateNetworks</c> may open; everything else needs an AllowedNetworks entry.</summary>
internal enum RangeKind
{
    /// <summary>Blocked unless an AllowedNetworks entry covers it.</summary>
    Closed,
    Loopback,
    Private,
}

internal sealed record SpecialRange(NetworkRange Range, string Name, RangeKind Kind);

/// <summary>
/// The blocked networks, from the IANA IPv4 and IPv6 Special-Purpose Address Registries
/// (RFC 6890 and later additions) plus multicast and the reserved class E space. Blocks that the
/// registries mark globally reachable (AS112, AMT, 2620:4f:8000::/48) are left out; the IETF
/// protocol assignment blocks are closed whole because no webhook receiver lives there.
/// The longest matching prefix names the verdict, so specific entries sit inside broad ones.
/// </summary>
internal static class SpecialPurposeRanges
{
    public const string LinkLocal = "link-local (cloud metadata)";

    private static readonly SpecialRange[] IPv4 =
    [
        new(NetworkRange.Parse("0.0.0.0/8"), "this network 0.0.0.0/8", RangeKind.Closed),
        // Connecting to 0.0.0.0 reaches the local host on Linux and macOS: never opened by AllowPrivateNetworks.
        new(NetworkRange.Parse("0.0.0.0/32"), "unspecified", RangeKind.Closed),
        new(NetworkRange.Parse("10.0.0.0/8"), "private (RFC 1918)", RangeKind.Private),
        new(NetworkRange.Parse("100.64.0.0/10"), "CGNAT (RFC 6598)", RangeKind.Closed),
        new(NetworkRange.Parse("127.0.0.0/8"), "loopback", RangeKind.Loopback),
        new(NetworkRange.Parse("169.254.0.0/16"), LinkLocal, RangeKind.Closed),
        new(NetworkRange.Parse("172.16.0.0/12"), "private (RFC 1918)", RangeKind.Private),
        new(NetworkRange.Parse("192.0.0.0/24"), "IETF protocol assignments 192.0.0.0/24", RangeKind.Closed),
        new(NetworkRange.Parse("192.0.0.0/29"), "DS-Lite 192.0.0.0/29", RangeKind.Closed),
        new(NetworkRange.Parse("192.0.0.170/31"), "NAT64 discovery 192.0.0.170/31", RangeKind.Closed),
        new(NetworkRange.Parse("192.0.2.0/24"), "documentation (TEST-NET-1)", RangeKind.Closed),
        new(NetworkRange.Parse("192.88.99.0/24"), "reserved (deprecated 6to4 relay anycast)", RangeKind.Closed),
        new(NetworkRange.Parse("192.168.0.0/16"), "private (RFC 1918)", RangeKind.Private),
        new(NetworkRange.Parse("198.18.0.0/15"), "benchmarking 198.18.0.0/15", RangeKind.Closed),
        new(NetworkRange.Parse("198.51.100.0/24"), "documentation (TEST-NET-2)", RangeKind.Closed),
        new(NetworkRange.Parse("203.0.113.0/24"), "documentation (TEST-NET-3)", RangeKind.Closed),
        new(NetworkRange.Parse("224.0.0.0/4"), "multicast", RangeKind.Closed),
        new(NetworkRange.Parse("240.0.0.0/4"), "reserved 240.0.0.0/4", RangeKind.Closed),
        new(NetworkRange.Parse("255.255.255.255/32"), "broadcast", RangeKind.Closed),
    ];

    private static readonly SpecialRange[] IPv6 =
    [
        // Only 2000::/3 is allocated for global unicast; the rest is reserved by the IETF or
        // special (the more specific entries below name the well-known parts).
        new(NetworkRange.Parse("::/0"), "reserved (outside global unicast 2000::/3)", RangeKind.Closed),
        new(NetworkRange.Parse("::/128"), "unspecified", RangeKind.Closed),
        new(NetworkRange.Parse("::1/128"), "loopback", RangeKind.Loopback),
        new(NetworkRange.Parse("::/96"), "reserved (deprecated IPv4-compatible ::/96)", RangeKind.Closed),
        new(NetworkRange.Parse("::ffff:0:0:0/96"), "reserved (IPv4-translated ::ffff:0:0:0/96)", RangeKind.Closed),
        new(NetworkRange.Parse("64:ff9b:1::/48"), "IPv4/IPv6 translation, local use 64:ff9b:1::/48", RangeKind.Closed),
        new(NetworkRange.Parse("100::/64"), "discard-only 100::/64", RangeKind.Closed),
        new(NetworkRange.Parse("100:0:0:1::/64"), "dummy prefix 100:0:0:1::/64", RangeKind.Closed),
        new(NetworkRange.Parse("2000::/3"), "", RangeKind.Closed), // global unicast: allowed (empty name), see Find
        new(NetworkRange.Parse("2001::/23"), "IETF protocol assignments 2001::/23", RangeKind.Closed),
        new(NetworkRange.Parse("2001::/32"), "Teredo 2001::/32", RangeKind.Closed),
        new(NetworkRange.Parse("2001:2::/48"), "benchmarking 2001:2::/48", RangeKind.Closed),
        new(NetworkRange.Parse("2001:db8::/32"), "documentation 2001:db8::/32", RangeKind.Closed),
        new(NetworkRange.Parse("3fff::/20"), "documentation 3fff::/20", RangeKind.Closed),
        new(NetworkRange.Parse("5f00::/16"), "SRv6 SIDs 5f00::/16", RangeKind.Closed),
        new(NetworkRange.Parse("fc00::/7"), "IPv6 unique-local", RangeKind.Private),
        // AWS's IPv6 instance metadata service sits inside unique-local space; keep it as closed as 169.254.169.254.
        new(NetworkRange.Parse("fd00:ec2::254/128"), "cloud metadata fd00:ec2::254", RangeKind.Closed),
        new(NetworkRange.Parse("fe80::/10"), "IPv6 link-local", RangeKind.Closed),
        new(NetworkRange.Parse("fec0::/10"), "reserved (deprecated site-local fec0::/10)", RangeKind.Closed),
        new(NetworkRange.Parse("ff00::/8"), "multicast", RangeKind.Closed),
    ];

    /// <summary>The most specific special range holding the (normalized) address, or null for ordinary unicast.</summary>
    public static SpecialRange? Find(IPAddress address)
    {
        var table = address.AddressFamily == AddressFamily.InterNetwork ? IPv4 : IPv6;
        SpecialRange? best = null;
        foreach (var entry in table)
        {
            if (entry.Range.Contains(address) && (best is null || entry.Range.PrefixLength > best.Range.PrefixLength))
            {
                best = entry;
            }
        }
        return best is { Name.Length: 0 } ? null : best;
    }
}
