using System.Net;
using System.Net.Sockets;
using Hookline.Core.Delivery;
using Hookline.Core.Delivery.Transport;

namespace Hookline.Core.Tests.Delivery.Transport;

public sealed class EndpointUrlValidatorTests
{
    private static readonly IPAddress PublicAddress = IPAddress.Parse("93.184.215.14");

    // Names in tests resolve through this map; anything else is "not found", as offline DNS would say.
    private static ValueTask<IPAddress[]> FakeDns(string host, CancellationToken cancellationToken) => host switch
    {
        "example.com" or "xn--bcher-kva.de" => ValueTask.FromResult(new[] { PublicAddress }),
        "internal.example" => ValueTask.FromResult(new[] { IPAddress.Parse("10.0.0.5") }),
        "mixed.example" => ValueTask.FromResult(new[] { PublicAddress, IPAddress.Parse("169.254.169.254") }),
        "v6.example" => ValueTask.FromResult(new[] { IPAddress.Parse("2606:4700::1"), IPAddress.Parse("fe80::1") }),
        "empty.example" => ValueTask.FromResult(Array.Empty<IPAddress>()),
        _ => ValueTask.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)),
    };

    private static EndpointUrlValidator Validator(bool allowPrivate = false, bool httpsOnly = false, params string[] allowed)
    {
        var options = new DeliveryOptions { AllowPrivateNetworks = allowPrivate, HttpsOnly = httpsOnly };
        foreach (var cidr in allowed)
        {
            options.AllowedNetworks.Add(cidr);
        }
        return new EndpointUrlValidator(options, FakeDns);
    }

    [Theory]
    [InlineData("https://example.com/hooks")]
    [InlineData("http://example.com:8080/hooks?x=1")]
    [InlineData("https://EXAMPLE.com./hooks")]
    [InlineData("https://bücher.de/hooks")]
    [InlineData("https://93.184.215.14/hooks")]
    [InlineData("https://[2606:4700:4700::1111]/hooks")]
    public async Task ValidateAsync_PublicDestination_IsValid(string url)
    {
        var result = await Validator().ValidateAsync(url, CancellationToken.None);

        Assert.True(result.IsValid, result.Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("/hooks")] // Uri reads this as file:///hooks on Unix
    [InlineData("example.com/hooks")]
    [InlineData("ftp://example.com/hooks")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://example.com/")]
    [InlineData("http:///hooks")]
    [InlineData("not a url")]
    [InlineData("https://example.com:0/hooks")]
    [InlineData("https://example.com/ho\noks")]
    [InlineData("https://example.com/hooks\r\n")]
    [InlineData("https://exa\tmple.com/hooks")]
    [InlineData("https://example.com/\u0000")]
    [InlineData("https://example.com/\u007f")]
    [InlineData("https://example.com/\u0085")]
    public async Task ValidateAsync_NotAnAbsoluteHttpUrl_IsRefused(string? url)
    {
        var result = await Validator().ValidateAsync(url, CancellationToken.None);

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task ValidateAsync_UserInfo_IsRefused()
    {
        var result = await Validator().ValidateAsync("https://user:secret@example.com/hooks", CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Contains("credentials", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_HttpsOnlyAndHttpUrl_IsRefused()
    {
        var validator = Validator(httpsOnly: true);

        var http = await validator.ValidateAsync("http://example.com/hooks", CancellationToken.None);
        var https = await validator.ValidateAsync("https://example.com/hooks", CancellationToken.None);

        Assert.False(http.IsValid);
        Assert.Contains("HttpsOnly", http.Error, StringComparison.Ordinal);
        Assert.True(https.IsValid, https.Error);
    }

    [Theory]
    [InlineData("http://127.0.0.1/", "loopback")]
    [InlineData("http://10.0.0.1/", "private (RFC 1918)")]
    [InlineData("http://172.16.5.4:8080/x", "private (RFC 1918)")]
    [InlineData("http://192.168.1.1/", "private (RFC 1918)")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)")]
    [InlineData("http://100.64.1.1/", "CGNAT (RFC 6598)")]
    [InlineData("http://0.0.0.0:8080/", "unspecified")]
    [InlineData("http://[::1]/", "loopback")]
    [InlineData("http://[::]/", "unspecified")]
    [InlineData("http://[fd00::2]/", "IPv6 unique-local")]
    [InlineData("http://[fe80::1]/", "IPv6 link-local")]
    [InlineData("http://[fe80::1%25eth0]/", "IPv6 link-local")]
    [InlineData("http://[fe80::1%eth0]/", "IPv6 link-local")]
    [InlineData("http://[ff02::1]/", "multicast")]
    [InlineData("http://[::ffff:127.0.0.1]/", "loopback")]
    [InlineData("http://[::ffff:7f00:1]/", "loopback")]
    [InlineData("http://[0:0:0:0:0:ffff:169.254.169.254]/", "link-local (cloud metadata)")]
    [InlineData("http://[64:ff9b::127.0.0.1]/", "loopback")]
    [InlineData("http://[2002:a9fe:a9fe::]/", "link-local (cloud metadata)")]
    // Odd spellings of 127.0.0.1 / 169.254.169.254 that resolvers accept.
    [InlineData("http://2130706433/", "loopback")]
    [InlineData("http://0x7f000001/", "loopback")]
    [InlineData("http://0X7F000001/", "loopback")]
    [InlineData("http://0177.0.0.1/", "loopback")]
    [InlineData("http://017700000001/", "loopback")]
    [InlineData("http://0x7f.0.0.1/", "loopback")]
    [InlineData("http://0x7f.1/", "loopback")]
    [InlineData("http://127.1/", "loopback")]
    [InlineData("http://127.0.1/", "loopback")]
    [InlineData("http://127.0.0.1./", "loopback")]
    [InlineData("http://0/", "unspecified")]
    [InlineData("http://2852039166/", "link-local (cloud metadata)")]
    [InlineData("http://0xa9fea9fe/", "link-local (cloud metadata)")]
    [InlineData("http://0251.0376.0251.0376/", "link-local (cloud metadata)")]
    [InlineData("http://169.254.43518/", "link-local (cloud metadata)")]
    [InlineData("http://127\u30020\u30020\u30021/", "loopback")] // ideographic full stops
    [InlineData("http://\uff11\uff12\uff17.0.0.1/", "loopback")] // full-width digits
    public async Task ValidateAsync_LiteralInBlockedNetwork_IsRefusedNamingTheRange(string url, string range)
    {
        var result = await Validator().ValidateAsync(url, CancellationToken.None);

        Assert.False(result.IsValid, $"{url} was accepted");
        Assert.Contains($"({range}", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://1.2.3.4.5/")]
    [InlineData("http://4294967296/")]
    [InlineData("http://08.0.0.1/")]
    [InlineData("http://0x1g.0.0.1/")]
    [InlineData("http://256.0.0.1/")]
    [InlineData("http://example.123/")]
    public async Task ValidateAsync_NumericHostThatIsNotAnAddress_IsRefused(string url)
    {
        var result = await Validator().ValidateAsync(url, CancellationToken.None);

        Assert.False(result.IsValid, $"{url} was accepted");
    }

    [Theory]
    [InlineData("http://localhost/")]
    [InlineData("http://LOCALHOST:3000/hooks")]
    [InlineData("http://localhost./")]
    [InlineData("http://app.localhost/")]
    [InlineData("http://a.b.localhost./")]
    public async Task ValidateAsync_LocalhostName_IsRefusedAsLoopback(string url)
    {
        var result = await Validator().ValidateAsync(url, CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Contains("(loopback)", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:3000/hooks")]
    [InlineData("http://app.localhost/")]
    [InlineData("http://127.1/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://[fd00::2]/")]
    [InlineData("http://internal.example/")]
    public async Task ValidateAsync_AllowPrivateNetworks_AcceptsLoopbackAndPrivate(string url)
    {
        var result = await Validator(allowPrivate: true).ValidateAsync(url, CancellationToken.None);

        Assert.True(result.IsValid, result.Error);
    }

    [Theory]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://2852039166/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://100.64.0.1/")]
    public async Task ValidateAsync_AllowPrivateNetworks_StillRefusesLinkLocalAndCgnat(string url)
    {
        var result = await Validator(allowPrivate: true).ValidateAsync(url, CancellationToken.None);

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task ValidateAsync_AllowedNetworkEntry_OpensCloudMetadata()
    {
        var validator = Validator(allowed: "169.254.169.254/32");

        Assert.True((await validator.ValidateAsync("http://169.254.169.254/latest", CancellationToken.None)).IsValid);
        Assert.False((await validator.ValidateAsync("http://169.254.169.253/", CancellationToken.None)).IsValid);
    }

    [Theory]
    [InlineData("https://internal.example/hooks", "10.0.0.5", "private (RFC 1918)")]
    [InlineData("https://mixed.example/hooks", "169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("https://v6.example/hooks", "fe80::1", "IPv6 link-local")]
    public async Task ValidateAsync_NameResolvingToBlockedAddress_IsRefusedSayingWhich(string url, string address, string range)
    {
        var result = await Validator().ValidateAsync(url, CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Contains($"resolves to {address}", result.Error, StringComparison.Ordinal);
        Assert.Contains(range, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://does-not-exist.example/hooks")]
    [InlineData("https://empty.example/hooks")]
    public async Task ValidateAsync_UnresolvableName_IsAccepted(string url)
    {
        var result = await Validator().ValidateAsync(url, CancellationToken.None);

        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task ValidateAsync_SlowDns_IsAcceptedAfterTheTimeout()
    {
        var validator = new EndpointUrlValidator(
            new SsrfGuard(new DeliveryOptions()),
            httpsOnly: false,
            // Like getaddrinfo stuck on an unresponsive server: never completes, ignores cancellation.
            resolveHost: (_, _) => new ValueTask<IPAddress[]>(new TaskCompletionSource<IPAddress[]>().Task),
            resolveTimeout: TimeSpan.FromMilliseconds(100));

        var result = await validator.ValidateAsync("https://slow.example/", CancellationToken.None);

        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task ValidateAsync_CallerCancels_Throws()
    {
        using var cts = new CancellationTokenSource();
        var validator = new EndpointUrlValidator(new DeliveryOptions(), async (_, ct) =>
        {
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return [];
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => validator.ValidateAsync("https://cancel.example/", cts.Token).AsTask());
    }

    [Fact]
    public async Task ValidateAsync_MachineHostNameThroughSystemDns_JudgesEveryResolvedAddress()
    {
        // Real DNS (here /etc/hosts maps the host name to 127.0.0.1 and more); whatever this
        // machine resolves, a blocked address among the answers must refuse the URL.
        var hostName = Dns.GetHostName();
        var addresses = await Dns.GetHostAddressesAsync(hostName);
        var guard = new SsrfGuard(new DeliveryOptions());
        var blocked = addresses.FirstOrDefault(a => guard.Check(a).IsBlocked);

        var result = await new EndpointUrlValidator(new DeliveryOptions()).ValidateAsync($"http://{hostName}:8080/hooks", CancellationToken.None);

        Assert.NotEmpty(addresses);
        if (blocked is null)
        {
            Assert.True(result.IsValid, result.Error);
        }
        else
        {
            Assert.False(result.IsValid);
            Assert.Contains($"resolves to {blocked}", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ValidateAsync_LocalhostThroughSystemDns_IsRefused()
    {
        var result = await new EndpointUrlValidator(new DeliveryOptions()).ValidateAsync("http://localhost:3000/", CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Contains("loopback", result.Error, StringComparison.Ordinal);
    }
}
