using System.Net;
using System.Text;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Server.Tests.Ingest;

/// <summary>One Hookline host and one real receiver shared by the tests of a class; each test uses its own source and receiver path.</summary>
public sealed class IngestFixture : IAsyncLifetime
{
    public HooklineHost Host { get; private set; } = null!;

    public TestReceiver Receiver { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    /// <summary>Posts to ingest URLs like a provider: no bearer token.</summary>
    public HttpClient Provider { get; } = new();

    public async Task InitializeAsync()
    {
        Receiver = await TestReceiver.StartAsync();
        Host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            ["Hookline:Delivery:RetrySchedule"] = "1s,1s,1s",
            ["Hookline:Limits:MaxPayloadBytes"] = "65536",
        });
        Admin = Host.CreateAdminClient();
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        Provider.Dispose();
        await Host.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    /// <summary>Creates a source and one endpoint pointing at a fresh receiver path.</summary>
    public async Task<IngestSource> CreateSourceAsync(string type, object? config)
    {
        var uid = HostFixture.Unique("src");
        var body = config is null ? (object)new { name = $"{type} source", uid, type } : new { name = $"{type} source", uid, type, config };
        var source = await Admin.PostJsonAsync("/ingest/api/v1/source", body).ExpectAsync(HttpStatusCode.Created);
        var path = "/" + uid;
        var endpoint = await Admin.PostJsonAsync($"/ingest/api/v1/source/{source.Str("id")}/endpoint", new { url = Receiver.Url(path) })
            .ExpectAsync(HttpStatusCode.Created);
        var secret = await Admin.GetAtAsync($"/ingest/api/v1/source/{source.Str("id")}/endpoint/{endpoint.Str("id")}/secret").ExpectAsync(HttpStatusCode.OK);
        return new IngestSource(this, source.Str("id"), source.Str("ingestUrl"), endpoint.Str("id"), secret.Str("key"), path);
    }
}

/// <summary>A source under test: its ingest URL, its one endpoint and where that endpoint's requests arrive.</summary>
public sealed record IngestSource(IngestFixture Fixture, string Id, string IngestUrl, string EndpointId, string EndpointSecret, string ReceiverPath)
{
    public IReadOnlyList<ReceivedRequest> Forwarded => Fixture.Receiver.At(ReceiverPath).ToList();

    public async Task<HttpResponseMessage> PostAsync(byte[] body, IEnumerable<KeyValuePair<string, string>> headers, string contentType = "application/json", string? query = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(IngestUrl + query));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return await Fixture.Provider.SendAsync(request);
    }

    /// <summary>Waits until <paramref name="count"/> forwarded requests arrived (or 20 s passed) and returns them.</summary>
    public Task<IReadOnlyList<ReceivedRequest>> WaitForwardedAsync(int count = 1) =>
        ApiClientExtensions.EventuallyAsync(() => Task.FromResult(Forwarded), f => f.Count >= count, TimeSpan.FromSeconds(20));

    /// <summary>The request reached the app with the provider's exact body and Hookline's signature for this endpoint.</summary>
    public void AssertForwardedIntact(ReceivedRequest forwarded, byte[] originalBody, string? messageId = null)
    {
        Assert.Equal(originalBody, forwarded.Body);
        using var secret = StandardWebhookSecret.Parse(EndpointSecret);
        var result = new StandardWebhookVerifier(secret).Verify(new WebhookRequest(new WebhookHeaders(forwarded.Headers), forwarded.Body));
        Assert.True(result.IsValid, $"Hookline's signature does not verify: {result}");
        if (messageId is not null)
        {
            Assert.Equal(messageId, forwarded.Headers["webhook-id"]);
        }
    }

    public async Task<JsonElement> LogAsync() =>
        await Fixture.Admin.GetAtAsync($"/ingest/api/v1/source/{Id}/log").ExpectAsync(HttpStatusCode.OK);
}

/// <summary>HMAC and friends computed in the test, independently of Hookline.Signatures, for schemes without an SDK oracle.</summary>
internal static class Mac
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string HexSha256(string key, byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Utf8(key), content));

    public static string Base64Sha256(string key, byte[] content) => Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(Utf8(key), content));

#pragma warning disable CA5350 // the providers' schemes use HMAC-SHA1
    public static string HexSha1(string key, byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA1.HashData(Utf8(key), content));
#pragma warning restore CA5350

    public static byte[] Concat(params object[] parts)
    {
        using var buffer = new MemoryStream();
        foreach (var part in parts)
        {
            var bytes = part as byte[] ?? Utf8((string)part);
            buffer.Write(bytes);
        }
        return buffer.ToArray();
    }
}
