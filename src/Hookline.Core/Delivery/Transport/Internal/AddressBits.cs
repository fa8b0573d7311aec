using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Hookline.Core.Delivery.Transport.Internal;

/// <summary>Addresses as integers, so range checks are a mask and a compare.</summary>
internal static class AddressBits
{
    public const int IPv4Width = 32;
    public const int IPv6Width = 128;

    /// <summary>
    /// An IPv4-mapped IPv6 address (<c>::ffff:a.b.c.d</c>) reaches the IPv4 host on a dual-stack
    /// socket, so it is judged as that IPv4 address. The zone id never matters for ranges.
    /// </summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static int Width(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? IPv4Width : IPv6Width;

    public static UInt128 ToBits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException($"Cannot read the bytes of {address}.", nameof(address));
        }
        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static IPAddress FromBits(UInt128 bits, AddressFamily family)
    {
        if (family == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)bits);
            return new IPAddress(v4);
        }
        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, bits);
        return new IPAddress(v6);
    }

    /// <summary>The network mask for a prefix, right-aligned in the family's width.</summary>
    public static UInt128 Mask(int prefixLength, int width)
    {
        if (prefixLength == 0)
        {
            return UInt128.Zero;
        }
        var all = width == IPv6Width ? UInt128.MaxValue : (UInt128)uint.MaxValue;
        return (all << (width - prefixLength)) & all;
    }
}
