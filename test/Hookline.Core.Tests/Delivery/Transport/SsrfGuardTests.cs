using System.Net;
using Hookline.Core.Delivery;
using Hookline.Core.Delivery.Transport;

namespace Hookline.Core.Tests.Delivery.Transport;

public sealed class SsrfGuardTests
{
    private static readonly SsrfGuard Default = new(new DeliveryOptions());
    private static readonly SsrfGuard Private = new(new DeliveryOptions { AllowPrivateNetworks = true });

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("10.0.0.1", "private (RFC 1918)")]
    [InlineData("172.16.0.1", "private (RFC 1918)")]
    [InlineData("172.31.255.255", "private (RFC 1918)")]
    [InlineData("192.168.1.1", "private (RFC 1918)")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("169.254.170.2", "link-local (cloud metadata)")]
    [InlineData("100.64.0.1", "CGNAT (RFC 6598)")]
    [InlineData("100.100.100.200", "CGNAT (RFC 6598)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "this network 0.0.0.0/8")]
    [InlineData("192.0.0.8", "IETF protocol assignments 192.0.0.0/24")]
    [InlineData("192.0.0.1", "DS-Lite 192.0.0.0/29")]
    [InlineData("192.0.2.10", "documentation (TEST-NET-1)")]
    [InlineData("198.51.100.1", "documentation (TEST-NET-2)")]
    [InlineData("203.0.113.1", "documentation (TEST-NET-3)")]
    [InlineData("198.18.0.1", "benchmarking 198.18.0.0/15")]
    [InlineData("198.19.255.255", "benchmarking 198.18.0.0/15")]
    [InlineData("192.88.99.1", "reserved (deprecated 6to4 relay anycast)")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved 240.0.0.0/4")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fc00::1", "IPv6 unique-local")]
    [InlineData("fd12:3456::1", "IPv6 unique-local")]
    [InlineData("fd00:ec2::254", "cloud metadata fd00:ec2::254")]
    [InlineData("fe80::1", "IPv6 link-local")]
    [InlineData("fe80::1%1", "IPv6 link-local")]
    [InlineData("fec0::1", "reserved (deprecated site-local fec0::/10)")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("100::1", "discard-only 100::/64")]
    [InlineData("2001:db8::1", "documentation 2001:db8::/32")]
    [InlineData("3fff::1", "documentation 3fff::/20")]
    [InlineData("2001:2::1", "benchmarking 2001:2::/48")]
    [InlineData("2001:0:4136:e378::1", "Teredo 2001::/32")]
    [InlineData("64:ff9b:1::1", "IPv4/IPv6 translation, local use 64:ff9b:1::/48")]
    [InlineData("5f00::1", "SRv6 SIDs 5f00::/16")]
    [InlineData("4000::1", "reserved (outside global unicast 2000::/3)")]
    public void Check_SpecialPurposeAddress_IsBlockedWithRangeName(string address, string range)
    {
        var verdict = Default.Check(IPAddress.Parse(address));

        Assert.True(verdict.IsBlocked);
        Assert.Equal(range, verdict.BlockedRange);
    }

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")] // just past 172.16.0.0/12
    [InlineData("100.128.0.1")] // just past CGNAT
    [InlineData("192.31.196.1")] // AS112, globally reachable
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001::200e")]
    [InlineData("2620:4f:8000::1")] // AS112 direct delegation, globally reachable
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8
    [InlineData("2002:808:808::1")] // 6to4 of 8.8.8.8
    [InlineData("::ffff:8.8.8.8")]
    public void Check_PublicAddress_IsAllowed(string address)
    {
        Assert.True(Default.Check(IPAddress.Parse(address)).IsAllowed);
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:7f00:1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("::ffff:10.0.0.1", "private (RFC 1918)")]
    public void Check_IPv4MappedIPv6_IsJudgedAsIPv4(string address, string range)
    {
        Assert.Equal(range, Default.Check(IPAddress.Parse(address)).BlockedRange);
    }

    [Theory]
    [InlineData("64:ff9b::7f00:1", "loopback", "NAT64")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local (cloud metadata)", "NAT64")]
    [InlineData("2002:7f00:1::", "loopback", "6to4")]
    [InlineData("2002:a00:1:1::1", "private (RFC 1918)", "6to4")]
    [InlineData("2002:a9fe:a9fe::1", "link-local (cloud metadata)", "6to4")]
    [InlineData("::7f00:1", "loopback", "IPv4-compatible")]
    public void Check_EmbeddedBlockedIPv4_IsBlockedByTheIPv4Range(string address, string range, string scheme)
    {
        var verdict = Default.Check(IPAddress.Parse(address));

        Assert.True(verdict.IsBlocked);
        Assert.StartsWith(range, verdict.BlockedRange, StringComparison.Ordinal);
        Assert.Contains(scheme, verdict.BlockedRange, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_IPv4CompatibleWithPublicIPv4_StaysReserved()
    {
        Assert.Equal("reserved (deprecated IPv4-compatible ::/96)", Default.Check(IPAddress.Parse("::808:808")).BlockedRange);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.1")]
    [InlineData("172.20.1.1")]
    [InlineData("192.168.0.10")]
    [InlineData("::1")]
    [InlineData("fd00::2")]
    [InlineData("::ffff:192.168.0.10")]
    [InlineData("2002:c0a8:1::1")] // 6to4 of 192.168.0.1
    public void Check_AllowPrivateNetworks_OpensLoopbackAndPrivate(string address)
    {
        Assert.True(Private.Check(IPAddress.Parse(address)).IsAllowed);
    }

    [Theory]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("::ffff:169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("fe80::1", "IPv6 link-local")]
    [InlineData("fd00:ec2::254", "cloud metadata fd00:ec2::254")]
    [InlineData("100.64.0.1", "CGNAT (RFC 6598)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("192.0.2.1", "documentation (TEST-NET-1)")]
    public void Check_AllowPrivateNetworks_KeepsLinkLocalAndOthersClosed(string address, string range)
    {
        Assert.Equal(range, Private.Check(IPAddress.Parse(address)).BlockedRange);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.0.0.1", true)]
    [InlineData("::ffff:192.168.1.1", true)]
    [InlineData("64:ff9b::10.0.0.1", true)]
    [InlineData("::10.0.0.1", false)] // IPv4-compatible: ::/96 stays reserved even with AllowPrivateNetworks
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    public void Check_Blocked_SaysWhetherAllowPrivateNetworksWouldOpenIt(string address, bool opens)
    {
        var verdict = Default.Check(IPAddress.Parse(address));

        Assert.True(verdict.IsBlocked);
        Assert.Equal(opens, verdict.PrivateNetworkSettingOpens);
        // And the claim holds: with the setting on, exactly those become reachable.
        Assert.Equal(opens, Private.Check(IPAddress.Parse(address)).IsAllowed);
    }

    [Fact]
    public void Check_AllowedNetworkEntry_OpensCloudMetadata()
    {
        var options = new DeliveryOptions();
        options.AllowedNetworks.Add("169.254.169.254/32");
        var guard = new SsrfGuard(options);

        Assert.True(guard.Check(IPAddress.Parse("169.254.169.254")).IsAllowed);
        Assert.True(guard.Check(IPAddress.Parse("::ffff:169.254.169.254")).IsAllowed);
        Assert.True(guard.Check(IPAddress.Parse("169.254.169.253")).IsBlocked);
        Assert.True(guard.Check(IPAddress.Parse("127.0.0.1")).IsBlocked);
    }

    [Fact]
    public void Check_AllowedNetworks_OpenOnlyTheirRanges()
    {
        var guard = new SsrfGuard(allowPrivateNetworks: false, [NetworkRange.Parse("10.1.0.0/16"), NetworkRange.Parse("fe80::/10")]);

        Assert.True(guard.Check(IPAddress.Parse("10.1.2.3")).IsAllowed);
        Assert.True(guard.Check(IPAddress.Parse("fe80::1%3")).IsAllowed);
        Assert.Equal("private (RFC 1918)", guard.Check(IPAddress.Parse("10.2.0.1")).BlockedRange);
    }

    [Fact]
    public void Constructor_InvalidAllowedNetwork_Throws()
    {
        var options = new DeliveryOptions();
        options.AllowedNetworks.Add("10.1.2.3/16");

        Assert.Throws<FormatException>(() => new SsrfGuard(options));
    }
}
