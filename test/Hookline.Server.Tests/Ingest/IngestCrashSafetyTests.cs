using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Server.Tests.Ingest;

/// <summary>
/// The gateway as a real process, killed with SIGKILL right after it acknowledged provider requests
/// but before it could forward them (the app hung, so no forward completed): after a restart every acknowledged
/// request reaches the app, with its original bytes and a valid Hookline signature. Nothing lost.
/// </summary>
public sealed class IngestCrashSafetyTests
{
    private const string AdminToken = "hk_test_ingest_crash_admin_token";
    private const string GitHubSecret = "crash-test-github-secret";

    private static Dictionary<string, string> Settings(string dataDirectory) => new()
    {
        ["Hookline:DataDirectory"] = dataDirectory,
        ["Hookline:AdminToken"] = AdminToken,
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        ["Hookline:Delivery:RetrySchedule"] = string.Join(',', Enumerable.Repeat("1s", 30)),
        ["Hookline:Delivery:Timeout"] = "5s",
        ["Hookline:Delivery:LeaseDuration"] = "3s",
    };

    [Fact]
    public async Task KillAfterAcknowledging_BeforeForwarding_ThenRestart_EveryAcknowledgedRequestIsForwarded()
    {
        using var data = TemporaryDirectory.Create("hookline-ingest-crash");
        var dataDirectory = data.Path;
        await using var receiver = await TestReceiver.StartAsync();
        var appUp = false;
        // The app hangs until it is "up": the first forwards time out, the rest wait their turn.
        receiver.On("/app", async (ctx, _) =>
        {
            try
            {
                while (!Volatile.Read(ref appUp))
                {
                    await Task.Delay(50, ctx.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The dead server's connection went away.
            }
        });
        var acknowledged = new ConcurrentDictionary<string, byte[]>();
        string ingestUrl, endpointSecret;

        await using (var server = await ServerProcess.StartAsync(Settings(dataDirectory)))
        {
            using var admin = server.CreateClient(AdminToken);
            (ingestUrl, endpointSecret) = await CreateSourceAsync(admin, receiver.Url("/app"));
            using var provider = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) < 300)
                {
                    var body = Encoding.UTF8.GetBytes($"{{\"ref\":\"refs/heads/main\",\"n\":{n},\"note\":\"crash\"}}");
                    using var request = new HttpRequestMessage(HttpMethod.Post, ingestUrl) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new("application/json");
                    request.Headers.Add("X-Hub-Signature-256", "sha256=" + Mac.HexSha256(GitHubSecret, body));
                    request.Headers.Add("X-GitHub-Delivery", $"delivery-{n}");
                    using var response = await provider.SendAsync(request);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    var messageId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString()!;
                    acknowledged[messageId] = body;
                }
            }));

            // Right after the last 200: the app has refused every forward so far.
            await server.KillAsync();
        }
        Assert.Equal(300, acknowledged.Count);
        Volatile.Write(ref appUp, true);
        var upSince = DateTimeOffset.UtcNow;

        await using (var restarted = await ServerProcess.StartAsync(Settings(dataDirectory)))
        {
            await Eventually.HoldsAsync(() => acknowledged.Keys.All(Delivered(receiver, upSince).ContainsKey), TimeSpan.FromSeconds(120),
                () => $"{acknowledged.Keys.Count(id => !Delivered(receiver, upSince).ContainsKey(id))} of {acknowledged.Count} acknowledged requests never reached the app");
        }

        var delivered = Delivered(receiver, upSince);
        using var secret = StandardWebhookSecret.Parse(endpointSecret);
        var verifier = new StandardWebhookVerifier(secret);
        foreach (var (messageId, body) in acknowledged)
        {
            var forwarded = delivered[messageId];
            Assert.Equal(body, forwarded.Body);
            Assert.True(verifier.Verify(new WebhookRequest(new WebhookHeaders(forwarded.Headers), forwarded.Body)).IsValid);
        }
    }

    /// <summary>Requests that reached the app once it was up (answered 200), by Hookline message id.</summary>
    private static Dictionary<string, ReceivedRequest> Delivered(TestReceiver receiver, DateTimeOffset upSince)
    {
        var result = new Dictionary<string, ReceivedRequest>(StringComparer.Ordinal);
        foreach (var request in receiver.At("/app").Where(r => r.At >= upSince))
        {
            result.TryAdd(request.Headers["webhook-id"], request);
        }
        return result;
    }

    private static async Task<(string IngestUrl, string EndpointSecret)> CreateSourceAsync(HttpClient admin, string url)
    {
        using var created = await admin.PostAsJsonAsync("/ingest/api/v1/source", new { name = "crash test", type = "github", config = new { secret = GitHubSecret } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var source = await created.Content.ReadFromJsonAsync<JsonElement>();
        var sourceId = source.GetProperty("id").GetString()!;
        using var endpoint = await admin.PostAsJsonAsync($"/ingest/api/v1/source/{sourceId}/endpoint", new { url });
        Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
        var endpointId = (await endpoint.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var secret = await admin.GetFromJsonAsync<JsonElement>($"/ingest/api/v1/source/{sourceId}/endpoint/{endpointId}/secret");
        return (source.GetProperty("ingestUrl").GetString()!, secret.GetProperty("key").GetString()!);
    }
}
