using System.Text.Json;
using Hookline.Cli.Tests.Infrastructure;
using Hookline.Signatures;

namespace Hookline.Cli.Tests;

/// <summary><c>hookline replay</c> against a real server, with a receiver that fails first and then recovers.</summary>
public sealed class ReplayTests : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private readonly ServerFixture _fixture;
    private TestReceiver _receiver = null!;
    private volatile int _status = 500;

    public ReplayTests(ServerFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.On("/flaky", (ctx, _) =>
        {
            ctx.Response.StatusCode = _status;
            return Task.CompletedTask;
        });
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Replay_EndpointsFailedDeliveries_SentAgainWithAProgressBar()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("replay"));
        var endpoint = (await _fixture.PostAsync($"/api/v1/app/{app}/endpoint", new { url = _receiver.Url("/flaky"), uid = "main" })).GetProperty("id").GetString()!;
        var env = _fixture.Environment();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await CliRunner.RunAsync(env, "trigger", "invoice.paid", "--app", app, "--payload", $$"""{"n": {{i}}}""")).ExitCode);
        }
        // The retry schedule here is one retry after 1 s: two failed attempts and each delivery is failed.
        await Eventually.HoldsAsync(async () => (await _fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpoint}/stats")).GetProperty("fail").GetInt32() == 3,
            TimeSpan.FromSeconds(30), "three failed deliveries");
        _status = 200;

        var result = await CliRunner.RunAsync(env, interactive: true, "replay", "--app", app, "--endpoint", "main", "--since", "1h");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.True(result.Output.Contains("Queued 3 failed deliveries (qtask_", StringComparison.Ordinal), result.Output);
        Assert.Contains("━", result.Output, StringComparison.Ordinal);
        Assert.Contains("Sent 3 again", result.Output, StringComparison.Ordinal);
        Assert.Contains("100%", result.Output, StringComparison.Ordinal);
        Assert.Contains("Replayed 3 failed deliveries to main; messages since ", result.Output, StringComparison.Ordinal);
        Assert.Contains("3 delivered, 0 failed, 0 waiting.", result.Output, StringComparison.Ordinal);
        var stats = await _fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpoint}/stats");
        Assert.Equal(3, stats.GetProperty("success").GetInt32());
    }

    [Fact]
    public async Task Replay_SourcesAcceptedRequests_ForwardedAgainByTheRealProcess()
    {
        var uid = ServerFixture.Unique("replaysrc");
        var source = await _fixture.PostAsync("/ingest/api/v1/source", new { name = uid, uid, type = "stripe", config = new { secret = "whsec_replay" } });
        var ingestUrl = source.GetProperty("ingestUrl").GetString()!;
        using var http = new HttpClient();
        var signer = WebhookSigners.Create("stripe", new Dictionary<string, string?> { ["secret"] = "whsec_replay" });
        for (var i = 0; i < 2; i++)
        {
            var body = System.Text.Encoding.UTF8.GetBytes($$"""{"id":"evt_{{i}}","type":"charge.succeeded"}""");
            using var request = new HttpRequestMessage(HttpMethod.Post, ingestUrl) { Content = new ByteArrayContent(body) };
            foreach (var (name, value) in signer.Sign(body))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode);
        }
        // The endpoint is added after the requests came in: only the replay reaches it.
        _status = 200;
        await _fixture.PostAsync($"/ingest/api/v1/source/{uid}/endpoint", new { url = _receiver.Url("/src") });

        var result = await CliRunner.RunProcessAsync(_fixture.Environment(), "replay", "--source", uid, "--since", "10m");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Forwarded 2 accepted requests of " + uid, result.Output, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => _receiver.At("/src").Count() == 2, TimeSpan.FromSeconds(20), "two forwarded requests");
        Assert.Equal(["charge.succeeded", "charge.succeeded"],
            _receiver.At("/src").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()!).ToArray());
    }

    [Fact]
    public async Task Replay_BadArguments_ExitTwo()
    {
        var env = _fixture.Environment();
        var neither = await CliRunner.RunAsync(env, "replay", "--since", "1h");
        var badTime = await CliRunner.RunAsync(env, "replay", "--app", "a", "--endpoint", "e", "--since", "yesterday-ish");
        var order = await CliRunner.RunAsync(env, "replay", "--app", "a", "--endpoint", "e", "--since", "1h", "--until", "2h");

        Assert.Equal((2, "error: give --app and --endpoint, or --source"), (neither.ExitCode, neither.Error.Trim()));
        Assert.Equal(2, badTime.ExitCode);
        Assert.StartsWith("error: --since: 'yesterday-ish' is neither a duration", badTime.Error, StringComparison.Ordinal);
        Assert.Equal((2, "error: --until must be after --since"), (order.ExitCode, order.Error.Trim()));
    }
}
