using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hookline.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline listen</c> as a user runs it: the real CLI process against a real server process,
/// forwarding to a real receiver on loopback.
/// </summary>
public sealed partial class ListenTests : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private readonly ServerFixture _fixture;
    private TestReceiver _receiver = null!;

    public ListenTests(ServerFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Listen_TriggeredMessage_ArrivesSignedAndAttemptShowsLocalStatus()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("listen"));
        var env = _fixture.Environment();
        _receiver.On("/hook", async (ctx, _) =>
        {
            ctx.Response.StatusCode = 202;
            await ctx.Response.WriteAsync("local app says hi");
        });
        await using var listen = CliRunner.Start(env, "listen", "--app", app, "--forward-to", _receiver.Url("/hook"), "--events", "invoice.paid,invoice.void");
        await listen.WaitForOutputAsync("signing secret is");
        var secret = Secret().Match(listen.Output).Value;
        var endpointId = EndpointId().Match(listen.Output).Value;

        var trigger = await CliRunner.RunProcessAsync(env, "trigger", "invoice.paid", "--app", app, "--payload", """{"invoice": "in_1", "amount": 42}""");
        Assert.True(trigger.ExitCode == 0, trigger.Output + trigger.Error);
        var msgId = MessageId().Match(trigger.Output).Value;

        await Eventually.HoldsAsync(() => _receiver.At("/hook").Any(), TimeSpan.FromSeconds(20), () => "the local receiver to get the webhook");
        var received = _receiver.At("/hook").Single();
        Assert.Equal("""{"invoice": "in_1", "amount": 42}""", Encoding.UTF8.GetString(received.Body));
        Assert.Equal(msgId, received.Headers["webhook-id"]);
        var verified = new StandardWebhookVerifier(StandardWebhookSecret.Parse(secret)).Verify(new WebhookRequest(new WebhookHeaders(received.Headers), received.Body));
        Assert.True(verified.IsValid, verified.ToString());

        // The local answer is the attempt: status, body and a duration.
        var attempts = await ApiEventuallyAsync($"/api/v1/app/{app}/attempt/msg/{msgId}", a => a.GetProperty("data").GetArrayLength() == 1);
        var attempt = attempts.GetProperty("data")[0];
        Assert.Equal(endpointId, attempt.GetProperty("endpointId").GetString());
        Assert.Equal(202, attempt.GetProperty("responseStatusCode").GetInt32());
        Assert.Equal("local app says hi", attempt.GetProperty("response").GetString());
        Assert.Equal(0, attempt.GetProperty("status").GetInt32());

        // One line per event: time, event type, message id, local status, duration.
        await listen.WaitForOutputAsync(msgId);
        Assert.Matches($@"\d\d:\d\d:\d\d  invoice\.paid  {msgId}  -> 202  \d+ ms", listen.Output);

        // Only the chosen event types come through.
        var other = await CliRunner.RunProcessAsync(env, "trigger", "user.created", "--app", app);
        Assert.Equal(0, other.ExitCode);
        await Task.Delay(1000);
        Assert.Single(_receiver.At("/hook"));
    }

    [Fact]
    public async Task Listen_LocalAppAnswers500_AttemptIsFailedWithThatStatus()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("listen500"));
        var env = _fixture.Environment();
        _receiver.On("/broken", async (ctx, _) =>
        {
            ctx.Response.StatusCode = 500;
            await ctx.Response.WriteAsync("boom");
        });
        await using var listen = CliRunner.Start(env, "listen", "--app", app, "--forward-to", _receiver.Url("/broken"));
        await listen.WaitForOutputAsync("signing secret is");

        var trigger = await CliRunner.RunProcessAsync(env, "trigger", "order.failed", "--app", app);
        var msgId = MessageId().Match(trigger.Output).Value;

        var attempts = await ApiEventuallyAsync($"/api/v1/app/{app}/attempt/msg/{msgId}", a => a.GetProperty("data").GetArrayLength() >= 1);
        var attempt = attempts.GetProperty("data")[attempts.GetProperty("data").GetArrayLength() - 1];
        Assert.Equal(500, attempt.GetProperty("responseStatusCode").GetInt32());
        Assert.Equal(2, attempt.GetProperty("status").GetInt32());
        Assert.Equal("boom", attempt.GetProperty("response").GetString());
        await listen.WaitForOutputAsync($"{msgId}  -> 500");
    }

    [Fact]
    public async Task Listen_Stopped_RelayEndpointRemovedAtOnce()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("stop"));
        await using var listen = CliRunner.Start(_fixture.Environment(), "listen", "--app", app, "--forward-to", _receiver.Url("/stop"));
        await listen.WaitForOutputAsync("signing secret is");
        Assert.Equal(1, (await _fixture.GetAsync($"/api/v1/app/{app}/endpoint")).GetProperty("data").GetArrayLength());

        await listen.TerminateAsync();
        var result = await listen.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("removed", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await _fixture.GetAsync($"/api/v1/app/{app}/endpoint")).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Listen_CliKilled_RelayEndpointRemovedAfterTimeoutAndDeliveriesFailMeanwhile()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("killed"));
        var env = _fixture.Environment();
        await using var listen = CliRunner.Start(env, "listen", "--app", app, "--forward-to", _receiver.Url("/killed"));
        await listen.WaitForOutputAsync("signing secret is");

        await listen.KillAsync();
        // Sent at once (in-process, no process start-up), while the endpoint waits the disconnect
        // timeout (2 s here) for the CLI to come back.
        // The failed attempt shows the endpoint was still there, waiting.
        var trigger = await CliRunner.RunAsync(env, "trigger", "while.away", "--app", app);
        var msgId = MessageId().Match(trigger.Output).Value;
        var attempts = await ApiEventuallyAsync($"/api/v1/app/{app}/attempt/msg/{msgId}", a => a.GetProperty("data").GetArrayLength() >= 1);
        var attempt = attempts.GetProperty("data")[0];
        Assert.Equal(0, attempt.GetProperty("responseStatusCode").GetInt32());
        Assert.Contains("No hookline listen session is connected", attempt.GetProperty("response").GetString(), StringComparison.Ordinal);

        await ApiEventuallyAsync($"/api/v1/app/{app}/endpoint", e => e.GetProperty("data").GetArrayLength() == 0, TimeSpan.FromSeconds(20));
        Assert.Empty(_receiver.At("/killed"));
    }

    [Fact]
    public async Task Listen_Source_VerifiedRequestsForwardedWithOriginalHeaders()
    {
        var uid = ServerFixture.Unique("gh");
        var source = await _fixture.PostAsync("/ingest/api/v1/source", new { name = uid, uid, type = "github", config = new { secret = "gh-secret" } });
        var ingestUrl = source.GetProperty("ingestUrl").GetString()!;
        await using var listen = CliRunner.Start(_fixture.Environment(), "listen", "--source", uid, "--forward-to", _receiver.Url("/gh"));
        await listen.WaitForOutputAsync("signing secret is");
        var secret = Secret().Match(listen.Output).Value;

        var body = """{"action":"opened","number":7}"""u8.ToArray();
        using var http = new HttpClient();
        foreach (var signingSecret in new[] { "wrong-secret", "gh-secret" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, ingestUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            foreach (var (name, value) in WebhookSigners.Create("github", new Dictionary<string, string?> { ["secret"] = signingSecret }).Sign(body, deliveryId: Guid.NewGuid().ToString()))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            request.Headers.Add("X-GitHub-Event", "pull_request");
            using var response = await http.SendAsync(request);
            Assert.Equal(signingSecret == "gh-secret" ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await Eventually.HoldsAsync(() => _receiver.At("/gh").Any(), TimeSpan.FromSeconds(20), () => "the forwarded request");
        var received = Assert.Single(_receiver.At("/gh"));
        Assert.Equal(body, received.Body);
        Assert.Equal("pull_request", received.Headers["x-github-event"]);
        Assert.True(WebhookVerifiers.Create("github", new Dictionary<string, string?> { ["secret"] = "gh-secret" })
            .Verify(new WebhookRequest(new WebhookHeaders(received.Headers), received.Body)).IsValid, "the provider's own signature travels with it");
        Assert.True(new StandardWebhookVerifier(StandardWebhookSecret.Parse(secret))
            .Verify(new WebhookRequest(new WebhookHeaders(received.Headers), received.Body)).IsValid, "and Hookline's signature with the relay's secret");
        await listen.WaitForOutputAsync("pull_request");
    }

    [Fact]
    public async Task Listen_UnknownApp_ExitsNotFoundWithOneLine()
    {
        var result = await CliRunner.RunProcessAsync(_fixture.Environment(), "listen", "--app", "no-such-app", "--forward-to", "localhost:1/x");

        Assert.Equal(5, result.ExitCode);
        Assert.Equal("error: not found (404): Application not found", result.Error.Trim());
    }

    private async Task<JsonElement> ApiEventuallyAsync(string path, Func<JsonElement, bool> condition, TimeSpan? timeout = null)
    {
        JsonElement last = default;
        await Eventually.HoldsAsync(async () =>
        {
            last = await _fixture.GetAsync(path);
            return condition(last);
        }, timeout ?? TimeSpan.FromSeconds(20), () => $"GET {path} to hold; last: {last}");
        return last;
    }

    [GeneratedRegex("whsec_[A-Za-z0-9+/=]+")]
    private static partial Regex Secret();

    [GeneratedRegex("ep_[A-Za-z0-9]+")]
    private static partial Regex EndpointId();

    [GeneratedRegex("msg_[A-Za-z0-9]+")]
    private static partial Regex MessageId();
}
