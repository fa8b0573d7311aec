using System.Net;
using Hookline.Core.Delivery.Transport;

namespace Hookline.Core.Tests.Delivery.Transport;

public sealed class NetworkRangeTests
{
    [Theory]
    [InlineData("10.1.0.0/16", "10.1.0.0", 16)]
    [InlineData("169.254.169.254/32", "169.254.169.254", 32)]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0)]
    [InlineData("fd00::/8", "fd00::", 8)]
    [InlineData("2001:db8::1", "2001:db8::1", 128)]
    [InlineData("192.168.1.7", "192.168.1.7", 32)]
    [InlineData(" 10.0.0.0/8 ", "10.0.0.0", 8)]
    [InlineData("::ffff:10.0.0.0/104", "10.0.0.0", 8)]
    public void Parse_ValidCidr_ReadsAddressAndPrefix(string text, string address, int prefix)
    {
        var range = NetworkRange.Parse(text);

        Assert.Equal(IPAddress.Parse(address), range.BaseAddress);
        Assert.Equal(prefix, range.PrefixLength);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.1.2.3/16")] // host bits set
    [InlineData("10.0.0.0/33")]
    [InlineData("fd00::/129")]
    [InlineData("10.1/16")] // IPAddress.Parse would read this as 10.0.0.1
    [InlineData("010.0.0.0/8")] // octal in disguise
    [InlineData("0x0a000000/8")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("fe80::1%eth0/128")]
    [InlineData("example.com/32")]
    public void TryParse_InvalidCidr_ReturnsFalseWithReason(string text)
    {
        Assert.False(NetworkRange.TryParse(text, out var range, out var error));
        Assert.Null(range);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Parse_HostBitsSet_SuggestsTheNetwork()
    {
        var ex = Assert.Throws<FormatException>(() => NetworkRange.Parse("10.1.2.3/16"));

        Assert.Contains("10.1.0.0/16", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.1.0.0/16", "10.1.255.255", true)]
    [InlineData("10.1.0.0/16", "10.2.0.0", false)]
    [InlineData("10.1.0.0/16", "::ffff:10.1.2.3", true)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("fe80::/10", "fe80::1%2", true)]
    [InlineData("fe80::/10", "febf:ffff::1", true)]
    [InlineData("fe80::/10", "fec0::1", false)]
    [InlineData("169.254.169.254/32", "169.254.169.254", true)]
    [InlineData("169.254.169.254/32", "169.254.169.253", false)]
    public void Contains_Address_MatchesPrefix(string range, string address, bool expected)
    {
        Assert.Equal(expected, NetworkRange.Parse(range).Contains(IPAddress.Parse(address)));
    }

    [Fact]
    public void Equals_SameNetworkWrittenDifferently_AreEqual()
    {
        Assert.Equal(NetworkRange.Parse("fd00:0::/8"), NetworkRange.Parse("fd00::/8"));
        Assert.Equal("fd00::/8", NetworkRange.Parse("fd00:0::/8").ToString());
    }
}
