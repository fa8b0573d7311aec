using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hookline.Cli.Tests.Infrastructure;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline listen</c> against two server processes sharing PostgreSQL: deliveries claimed by the
/// node that does not hold the CLI's connection still reach it (given back, never a failed
/// attempt), and a CLI whose node restarts resumes its relay endpoint. Needs
/// <c>HOOKLINE_TEST_POSTGRES</c> (scripts/test.sh); skipped without it, failed under CI=true.
/// </summary>
public sealed partial class MultiNodeListenTests : IAsyncLifetime
{
    private const string AdminToken = "hk_admin_cli_multinode_0123456789abcdef";

    private readonly int[] _ports = [ServerProcess.FreePort(), ServerProcess.FreePort()];
    private readonly ServerProcess?[] _nodes = new ServerProcess?[2];
    private PostgresTestDatabase? _database;
    private TestReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        await _receiver.DisposeAsync();
    }

    [SkippableFact]
    public async Task Listen_TwoNodes_EveryDeliveryReachesTheCliOnceAndSurvivesItsNodeRestarting()
    {
        _database = new PostgresTestDatabase();
        await _database.EnsureCreatedAsync();
        await Task.WhenAll(StartNodeAsync(0), StartNodeAsync(1));
        var app = ServerFixture.Unique("multi");
        using (var admin = Client(1))
        {
            using var created = await admin.PostAsJsonAsync(new Uri("/api/v1/app", UriKind.Relative), new { name = app, uid = app });
            Assert.True(created.IsSuccessStatusCode);
        }

        // The CLI holds its connection on node 0; messages are sent through node 1, and both nodes claim.
        var cli = Environment(0);
        await using var listen = CliRunner.Start(cli, "listen", "--app", app, "--forward-to", _receiver.Url("/local"));
        await listen.WaitForOutputAsync("signing secret is");
        var secret = Secret().Match(listen.Output).Value;
        var viaNode1 = Environment(1);
        const int count = 12;
        var sent = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var trigger = await CliRunner.RunAsync(viaNode1, "trigger", "order.created", "--app", app, "--payload", $$"""{"n": {{i}}}""", "--json");
            Assert.Equal(0, trigger.ExitCode);
            sent.Add(JsonDocument.Parse(trigger.Output).RootElement.GetProperty("id").GetString()!);
        }
        await Eventually.HoldsAsync(() => _receiver.At("/local").Count() >= count, TimeSpan.FromSeconds(60),
            () => $"{count} deliveries at the local app; {_receiver.At("/local").Count()} arrived");
        await AssertOneSuccessfulAttemptEachAsync(app, sent);

        // Node 0 dies with the connection; the CLI reconnects to it when it is back and resumes the endpoint.
        await _nodes[0]!.KillAsync();
        await StartNodeAsync(0);
        await listen.WaitForOutputAsync("Reconnected; relay endpoint", TimeSpan.FromSeconds(60));
        var after = await CliRunner.RunAsync(viaNode1, "trigger", "order.created", "--app", app, "--payload", """{"n": "after"}""", "--json");
        var afterId = JsonDocument.Parse(after.Output).RootElement.GetProperty("id").GetString()!;
        await Eventually.HoldsAsync(() => _receiver.At("/local").Any(r => r.Headers["webhook-id"] == afterId), TimeSpan.FromSeconds(60), "the delivery after the restart");
        Assert.Equal(secret, Secret().Match(listen.Output).Value);
        Assert.DoesNotContain("starting a new one", listen.Output, StringComparison.Ordinal);
    }

    private async Task AssertOneSuccessfulAttemptEachAsync(string app, List<string> messages)
    {
        using var client = Client(1);
        foreach (var id in messages)
        {
            JsonElement attempts = default;
            await Eventually.HoldsAsync(async () =>
            {
                attempts = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/app/{app}/attempt/msg/{id}", UriKind.Relative));
                return attempts.GetProperty("data").GetArrayLength() >= 1;
            }, TimeSpan.FromSeconds(20), () => $"an attempt of {id}");
            // A node without the connection gives the delivery back: never a failed "not connected" attempt.
            var only = Assert.Single(attempts.GetProperty("data").EnumerateArray());
            Assert.Equal(200, only.GetProperty("responseStatusCode").GetInt32());
        }
    }

    private async Task StartNodeAsync(int node)
    {
        if (_nodes[node] is { } previous)
        {
            await previous.DisposeAsync();
        }
        _nodes[node] = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Hookline:Storage:Provider"] = "postgres",
            ["Hookline:Storage:ConnectionString"] = _database!.ConnectionStringFor($"n{node}"),
            ["Hookline:AdminToken"] = AdminToken,
            ["Hookline:Delivery:RetrySchedule"] = "1s,1s,1s",
            ["Hookline:Relay:DisconnectTimeout"] = "60s",
            ["Logging:LogLevel:Default"] = "Warning",
        }, _ports[node]);
    }

    private HttpClient Client(int node) => _nodes[node]!.CreateClient(AdminToken);

    private Dictionary<string, string?> Environment(int node) => new()
    {
        ["HOOKLINE_SERVER"] = $"http://127.0.0.1:{_ports[node]}",
        ["HOOKLINE_TOKEN"] = AdminToken,
        ["HOOKLINE_CONFIG"] = Path.Combine(Path.GetTempPath(), "hookline-cli-tests", Guid.NewGuid().ToString("N"), "config.json"),
    };

    [GeneratedRegex("whsec_[A-Za-z0-9+/=]+")]
    private static partial Regex Secret();
}
