using System.Net;
using System.Net.Sockets;
using Hookline.Core.Delivery.Transport.Internal;

namespace Hookline.Core.Delivery.Transport;

/// <summary>
/// Decides whether Hookline may open a connection to an address. Blocks loopback, private,
/// link-local (cloud metadata), CGNAT, multicast, reserved, documentation and the other
/// special-purpose networks of the IANA registries. <see cref="DeliveryOptions.AllowPrivateNetworks"/>
/// opens loopback and private networks (RFC 1918, IPv6 unique-local) only; every other block,
/// link-local included, opens only through a <see cref="DeliveryOptions.AllowedNetworks"/> entry.
/// </summary>
/// <remarks>
/// IPv6 addresses that embed an IPv4 address are judged by that IPv4 address: IPv4-mapped
/// (<c>::ffff:a.b.c.d</c>), NAT64 (<c>64:ff9b::/96</c>) and 6to4 (<c>2002::/16</c>). Thread-safe.
/// </remarks>
public sealed class SsrfGuard
{
    private static readonly NetworkRange Nat64 = NetworkRange.Parse("64:ff9b::/96");
    private static readonly NetworkRange SixToFour = NetworkRange.Parse("2002::/16");
    private static readonly NetworkRange IPv4Compatible = NetworkRange.Parse("::/96");

    private readonly NetworkRange[] _allowed;

    /// <summary>Creates the guard from the delivery options (a snapshot; later changes are not seen).</summary>
    /// <exception cref="FormatException">An AllowedNetworks entry is not a CIDR range.</exception>
    public SsrfGuard(DeliveryOptions options)
        : this(options?.AllowPrivateNetworks ?? throw new ArgumentNullException(nameof(options)),
               options.AllowedNetworks.Select(NetworkRange.Parse))
    {
    }

    /// <summary>Creates the guard from explicit settings.</summary>
    public SsrfGuard(bool allowPrivateNetworks, IEnumerable<NetworkRange> allowedNetworks)
    {
        ArgumentNullException.ThrowIfNull(allowedNetworks);
        AllowPrivateNetworks = allowPrivateNetworks;
        _allowed = [.. allowedNetworks];
        if (Array.Exists(_allowed, r => r is null))
        {
            throw new ArgumentException("Allowed networks must not contain null.", nameof(allowedNetworks));
        }
    }

    /// <summary>Whether loopback and private networks are open.</summary>
    public bool AllowPrivateNetworks { get; }

    /// <summary>Networks that are always allowed.</summary>
    public IReadOnlyList<NetworkRange> AllowedNetworks => _allowed;

    /// <summary>Whether a connection to <paramref name="address"/> is allowed, and if not which range blocks it.</summary>
    public AddressVerdict Check(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return AddressVerdict.Blocked("not an IP address");
        }

        address = AddressBits.Normalize(address);
        if (IsExplicitlyAllowed(address))
        {
            return AddressVerdict.Allowed;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && TryGetEmbeddedIPv4(address, out var embedded, out var scheme))
        {
            var inner = CheckWithoutEmbedding(embedded);
            if (inner.IsBlocked)
            {
                // AllowPrivateNetworks opens a private IPv4 behind NAT64 or 6to4, not in the
                // IPv4-compatible form, whose reserved ::/96 range stays blocked regardless.
                return AddressVerdict.Blocked($"{inner.BlockedRange} (IPv4 {embedded} embedded in {scheme})",
                    inner.PrivateNetworkSettingOpens && !IPv4Compatible.Contains(address));
            }
            // A public IPv4 behind NAT64 or 6to4 is an ordinary destination; the deprecated
            // IPv4-compatible form is not routed by modern stacks and stays reserved.
            if (!IPv4Compatible.Contains(address))
            {
                return AddressVerdict.Allowed;
            }
        }

        return CheckWithoutEmbedding(address);
    }

    private AddressVerdict CheckWithoutEmbedding(IPAddress address)
    {
        if (IsExplicitlyAllowed(address))
        {
            return AddressVerdict.Allowed;
        }
        var special = SpecialPurposeRanges.Find(address);
        if (special is null)
        {
            return AddressVerdict.Allowed;
        }
        var privateNetwork = special.Kind is RangeKind.Loopback or RangeKind.Private;
        return AllowPrivateNetworks && privateNetwork
            ? AddressVerdict.Allowed
            : AddressVerdict.Blocked(special.Name, privateNetwork);
    }

    private bool IsExplicitlyAllowed(IPAddress address)
    {
        foreach (var range in _allowed)
        {
            if (range.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    private static bool TryGetEmbeddedIPv4(IPAddress address, out IPAddress embedded, out string scheme)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address))
        {
            embedded = new IPAddress(bytes[12..]);
            scheme = "NAT64 64:ff9b::/96";
            return true;
        }
        if (SixToFour.Contains(address))
        {
            embedded = new IPAddress(bytes[2..6]);
            scheme = "6to4 2002::/16";
            return true;
        }
        // :: and ::1 are themselves (unspecified, loopback), not IPv4-compatible addresses.
        if (IPv4Compatible.Contains(address) && AddressBits.ToBits(address) > 1)
        {
            embedded = new IPAddress(bytes[12..]);
            scheme = "IPv4-compatible ::/96";
            return true;
        }
        embedded = IPAddress.None;
        scheme = "";
        return false;
    }
}
