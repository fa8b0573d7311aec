using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hookline.Core.Delivery;
using Hookline.Core.Delivery.Transport;

namespace Hookline.Core.Tests.Delivery.Transport;

/// <summary>Real sockets on loopback: the handler's connect path is the thing under test.</summary>
public sealed class DeliveryHttpClientFactoryTests
{
    private static HttpClient Client(bool allowPrivate, Func<string, CancellationToken, ValueTask<IPAddress[]>>? resolve = null, bool httpsOnly = false) =>
        new DeliveryHttpClientFactory(new DeliveryOptions { AllowPrivateNetworks = allowPrivate, HttpsOnly = httpsOnly }, resolve).CreateClient();

    private static Func<string, CancellationToken, ValueTask<IPAddress[]>> Resolve(params string[] addresses) =>
        (_, _) => ValueTask.FromResult(addresses.Select(IPAddress.Parse).ToArray());

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url) =>
        client.PostAsync(url, new StringContent("{\"type\":\"test\"}"), CancellationToken.None);

    [Fact]
    public async Task SendAsync_AllowPrivateNetworksAndLoopbackReceiver_Delivers()
    {
        await using var server = CannedHttpServer.Respond(200, "OK", "thanks");
        using var client = Client(allowPrivate: true);

        using var response = await PostAsync(client, $"http://127.0.0.1:{server.Port}/hooks");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(server.Requests);
        Assert.StartsWith("POST /hooks HTTP/1.1", server.Requests.Single(), StringComparison.Ordinal);
        Assert.Contains($"User-Agent: {DeliveryHttpClientFactory.UserAgent}", server.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_LocalhostNameWithAllowPrivateNetworks_Delivers()
    {
        await using var server = CannedHttpServer.Respond(204, "No Content");
        using var client = Client(allowPrivate: true);

        using var response = await PostAsync(client, $"http://localhost:{server.Port}/hooks");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{0}/", "loopback")]
    [InlineData("http://localhost:{0}/", "loopback")]
    [InlineData("http://2130706433:{0}/", "loopback")]
    [InlineData("http://0x7f000001:{0}/", "loopback")]
    [InlineData("http://0177.0.0.1:{0}/", "loopback")]
    [InlineData("http://127.1:{0}/", "loopback")]
    [InlineData("http://[::ffff:127.0.0.1]:{0}/", "loopback")]
    [InlineData("http://127\u30020\u30020\u30021:{0}/", "loopback")]
    public async Task SendAsync_DefaultGuardAndLoopbackDestination_IsRefusedBeforeConnecting(string urlFormat, string range)
    {
        await using var server = CannedHttpServer.Respond(200, "OK");
        using var client = Client(allowPrivate: false);
        var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, urlFormat, server.Port);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, url));

        Assert.True(BlockedDestinationException.TryFind(ex, out var blocked), ex.ToString());
        Assert.Contains(range, blocked.Message, StringComparison.Ordinal);
        Assert.Contains("blocked", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task SendAsync_NameRebindsToLoopbackAfterValidation_IsRefusedAtConnectTime()
    {
        await using var server = CannedHttpServer.Respond(200, "OK");
        var answers = new Queue<IPAddress[]>([[IPAddress.Parse("93.184.215.14")], [IPAddress.Loopback]]);
        ValueTask<IPAddress[]> RebindingDns(string host, CancellationToken ct) => ValueTask.FromResult(answers.Dequeue());
        var url = $"http://rebind.example:{server.Port}/hooks";

        var validation = await new EndpointUrlValidator(new DeliveryOptions(), RebindingDns).ValidateAsync(url, CancellationToken.None);
        using var client = Client(allowPrivate: false, RebindingDns);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, url));

        Assert.True(validation.IsValid, validation.Error);
        Assert.True(BlockedDestinationException.TryFind(ex, out var blocked));
        Assert.Equal("rebind.example", blocked.Host);
        Assert.Equal(IPAddress.Loopback, blocked.Address);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task SendAsync_NameResolvingToMetadataWithAllowPrivateNetworks_IsRefused()
    {
        using var client = Client(allowPrivate: true, Resolve("169.254.169.254", "fe80::1"));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, "http://metadata.example/latest/meta-data/"));

        Assert.True(BlockedDestinationException.TryFind(ex, out var blocked));
        Assert.Contains("link-local (cloud metadata)", blocked.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ResolvedAddressesMixBlockedAndAllowed_ConnectsOnlyToAllowed()
    {
        await using var server = CannedHttpServer.Respond(200, "OK");
        using var client = Client(allowPrivate: true, Resolve("169.254.169.254", "127.0.0.1"));

        using var response = await PostAsync(client, $"http://receiver.example:{server.Port}/hooks");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"Host: receiver.example:{server.Port}", server.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_FirstAllowedAddressRefusesConnection_TriesTheNext()
    {
        await using var server = CannedHttpServer.Respond(200, "OK");
        // Nothing listens on 127.0.0.2 at this port (the server is bound to 127.0.0.1 only).
        using var client = Client(allowPrivate: true, Resolve("127.0.0.2", "127.0.0.1"));

        using var response = await PostAsync(client, $"http://receiver.example:{server.Port}/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SendAsync_IPv6LoopbackReceiverWithAllowPrivateNetworks_Delivers()
    {
        await using var server = new CannedHttpServer(CannedHttpServer.BuildResponse(200, "OK", []), IPAddress.IPv6Loopback);
        using var client = Client(allowPrivate: true);

        using var response = await PostAsync(client, $"http://[::1]:{server.Port}/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SendAsync_AllAllowedAddressesRefuseConnection_IsAConnectionErrorNotABlock()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var client = Client(allowPrivate: true);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, $"http://127.0.0.1:{port}/"));

        Assert.False(BlockedDestinationException.TryFind(ex, out _));
        Assert.Equal(HttpRequestError.ConnectionError, ex.HttpRequestError);
    }

    [Fact]
    public async Task SendAsync_RedirectToCloudMetadata_ReturnsTheRedirectItself()
    {
        await using var server = CannedHttpServer.Respond(302, "Found", "", "Location: http://169.254.169.254/latest/meta-data/");
        using var client = Client(allowPrivate: true);

        using var response = await PostAsync(client, $"http://127.0.0.1:{server.Port}/hooks");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(new Uri("http://169.254.169.254/latest/meta-data/"), response.Headers.Location);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task SendAsync_RedirectToAllowedReceiver_IsNotFollowedEither(int status)
    {
        await using var target = CannedHttpServer.Respond(200, "OK");
        await using var server = CannedHttpServer.Respond(status, "Redirect", "", $"Location: http://127.0.0.1:{target.Port}/");
        using var client = Client(allowPrivate: true);

        using var response = await PostAsync(client, $"http://127.0.0.1:{server.Port}/hooks");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(0, target.Connections);
    }

    [Fact]
    public async Task SendAsync_HttpsOnlyAndHttpUrl_IsRefusedAtConnectTime()
    {
        await using var server = CannedHttpServer.Respond(200, "OK");
        using var client = Client(allowPrivate: true, httpsOnly: true);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, $"http://127.0.0.1:{server.Port}/"));

        Assert.True(BlockedDestinationException.TryFind(ex, out var blocked));
        Assert.Contains("HttpsOnly", blocked.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task SendAsync_HttpsReceiverWithUntrustedCertificate_IsRejected()
    {
        await using var server = new CannedHttpServer(CannedHttpServer.BuildResponse(200, "OK", []), certificate: SelfSignedCertificate("localhost"));
        using var client = Client(allowPrivate: true);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(client, $"https://localhost:{server.Port}/"));

        Assert.IsType<AuthenticationException>(ex.InnerException);
        Assert.Equal(HttpRequestError.SecureConnectionError, ex.HttpRequestError);
    }

    [Fact]
    public void CreateHandler_Settings_AreTheSsrfSafeOnes()
    {
        var factory = new DeliveryHttpClientFactory(new DeliveryOptions { Timeout = TimeSpan.FromSeconds(3) });

        using var handler = factory.CreateHandler();

        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseCookies);
        Assert.False(handler.UseProxy);
        Assert.NotNull(handler.ConnectCallback);
        Assert.Null(handler.SslOptions.RemoteCertificateValidationCallback);
        Assert.Equal(TimeSpan.FromSeconds(3), handler.ConnectTimeout);
        Assert.True(handler.PooledConnectionLifetime > TimeSpan.Zero && handler.PooledConnectionLifetime <= TimeSpan.FromMinutes(10));
        Assert.True(handler.MaxConnectionsPerServer >= 100);
    }

    [Fact]
    public void CreateClient_Timeout_IsTheDeliveryTimeout()
    {
        using var client = new DeliveryHttpClientFactory(new DeliveryOptions { Timeout = TimeSpan.FromSeconds(7) }).CreateClient();

        Assert.Equal(TimeSpan.FromSeconds(7), client.Timeout);
    }

    private static X509Certificate2 SelfSignedCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // SslStream on Linux needs the private key in an exportable, reloaded form.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
