using System.Text.Json;
using Hookline.Cli.Tests.Infrastructure;

namespace Hookline.Cli.Tests;

/// <summary>Read commands, trigger, login and errors, in-process with Spectre's TestConsole against a real server.</summary>
public sealed class CommandTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public CommandTests(ServerFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task AppsList_Table_ShowsTheApp()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("table"));

        var result = await CliRunner.RunAsync(_fixture.Environment(), "apps", "list", "--limit", "250");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("│ id ", result.Output, StringComparison.Ordinal);
        Assert.Contains($"│ {app} ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadCommands_Json_PrintTheServersJson()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("json"));
        var env = _fixture.Environment();
        var trigger = await CliRunner.RunAsync(env, "trigger", "thing.happened", "--app", app, "--payload", """{"n": 1}""", "--json");
        var msgId = JsonDocument.Parse(trigger.Output).RootElement.GetProperty("id").GetString()!;

        var apps = await CliRunner.RunAsync(env, "apps", "get", app, "--json");
        var messages = await CliRunner.RunAsync(env, "messages", "list", "--app", app, "--json");
        var message = await CliRunner.RunAsync(env, "messages", "get", msgId, "--app", app, "--json");
        var endpoints = await CliRunner.RunAsync(env, "endpoints", "list", "--app", app, "--json");

        Assert.Equal(app, JsonDocument.Parse(apps.Output).RootElement.GetProperty("uid").GetString());
        Assert.Equal(msgId, JsonDocument.Parse(messages.Output).RootElement.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal(1, JsonDocument.Parse(message.Output).RootElement.GetProperty("payload").GetProperty("n").GetInt32());
        Assert.Equal(0, JsonDocument.Parse(endpoints.Output).RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task AttemptsAndSources_List_ShowRows()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("attempts"));
        var endpoint = await _fixture.PostAsync($"/api/v1/app/{app}/endpoint", new { url = receiver.Url("/a") });
        var env = _fixture.Environment();
        var msgId = JsonDocument.Parse((await CliRunner.RunAsync(env, "trigger", "a.b", "--app", app, "--json")).Output).RootElement.GetProperty("id").GetString()!;
        await Eventually.HoldsAsync(() => receiver.At("/a").Any(), TimeSpan.FromSeconds(20), "the delivery");

        CliResult byEndpoint = null!;
        await Eventually.HoldsAsync(async () =>
        {
            byEndpoint = await CliRunner.RunAsync(env, "attempts", "list", "--app", app, "--endpoint", endpoint.GetProperty("id").GetString()!);
            return byEndpoint.Output.Contains(msgId, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20), () => byEndpoint.Output);
        var byMessage = await CliRunner.RunAsync(env, "attempts", "list", "--app", app, "--msg", msgId, "--json");
        var attemptId = JsonDocument.Parse(byMessage.Output).RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;
        var one = await CliRunner.RunAsync(env, "attempts", "get", attemptId, "--app", app, "--msg", msgId);
        var sourceUid = ServerFixture.Unique("src");
        await _fixture.PostAsync("/ingest/api/v1/source", new { name = sourceUid, uid = sourceUid, type = "stripe", config = new { secret = "whsec_x" } });
        var sources = await CliRunner.RunAsync(env, "sources", "list", "--limit", "250");

        Assert.Contains("│ 200 ", byEndpoint.Output, StringComparison.Ordinal);
        Assert.Contains("success", byEndpoint.Output, StringComparison.Ordinal);
        Assert.Contains(attemptId, one.Output, StringComparison.Ordinal);
        Assert.Contains(sourceUid, sources.Output, StringComparison.Ordinal);
        Assert.Contains("/ingest/", sources.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_WithoutPayload_SendsTheEventTypesSchemaExample()
    {
        var app = await _fixture.CreateAppAsync(ServerFixture.Unique("example"));
        var type = ServerFixture.Unique("order.shipped");
        await _fixture.PostAsync("/api/v1/event-type", new
        {
            name = type,
            description = "An order left the warehouse",
            schemas = new Dictionary<string, object> { ["1"] = new { type = "object", examples = new[] { new { order = "ord_1", carrier = "dhl" } } } },
        });
        var env = _fixture.Environment();

        var result = await CliRunner.RunAsync(env, "trigger", type, "--app", app);
        var undefined = await CliRunner.RunAsync(env, "trigger", "not.defined", "--app", app, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("payload from the event type's schema example", result.Output, StringComparison.Ordinal);
        var messages = await _fixture.GetAsync($"/api/v1/app/{app}/msg");
        var sent = messages.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("eventType").GetString() == type);
        Assert.Equal("dhl", sent.GetProperty("payload").GetProperty("carrier").GetString());
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(undefined.Output).RootElement.GetProperty("payload").ValueKind);
    }

    [Fact]
    public async Task Trigger_PayloadNotAnObject_ExitsTwoWithOneLine()
    {
        var result = await CliRunner.RunAsync(_fixture.Environment(), "trigger", "x", "--app", "any", "--payload", "[1, 2]");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --payload: the payload must be a JSON object ({…}), not array", result.Error.Trim());
    }

    [Fact]
    public async Task Errors_UnknownAppBadTokenUnreachableServer_OneLineAndDocumentedExitCodes()
    {
        var env = _fixture.Environment();
        var notFound = await CliRunner.RunAsync(env, "apps", "get", "no-such-app");
        var badToken = await CliRunner.RunAsync(new Dictionary<string, string?>(env) { ["HOOKLINE_TOKEN"] = "wrong" }, "apps", "list");
        var unreachable = await CliRunner.RunAsync(env, "apps", "list", "--server", $"http://127.0.0.1:{ServerProcess.FreePort()}");
        var validation = await CliRunner.RunAsync(env, "trigger", "bad name!", "--payload", "{}", "--app", await _fixture.CreateAppAsync(ServerFixture.Unique("v")));
        var usage = await CliRunner.RunAsync(env, "apps", "lsit");

        Assert.Equal((5, "error: not found (404): Application not found"), (notFound.ExitCode, notFound.Error.Trim()));
        Assert.Equal(4, badToken.ExitCode);
        Assert.StartsWith("error: the server refused the token (401: Invalid or expired token.)", badToken.Error, StringComparison.Ordinal);
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("connection refused (is it running? set --server or HOOKLINE_SERVER)", unreachable.Error, StringComparison.Ordinal);
        Assert.Equal(6, validation.ExitCode);
        Assert.StartsWith("error: the server answered 422: body.eventType: ", validation.Error, StringComparison.Ordinal);
        Assert.Equal(2, usage.ExitCode);
        foreach (var result in new[] { notFound, badToken, unreachable, validation })
        {
            Assert.Single(result.Error.Trim().Split('\n'));
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Login_ValidToken_SavesAFileOnlyTheUserCanRead()
    {
        using var home = TemporaryDirectory.Create("hookline-cli-login");
        var config = Path.Combine(home.Path, "hookline", "config.json");
        var env = new Dictionary<string, string?> { ["HOOKLINE_CONFIG"] = config };

        var refused = await CliRunner.RunAsync(env, "login", "--server", _fixture.Url, "--token", "not-the-token");
        Assert.Equal(4, refused.ExitCode);
        Assert.False(File.Exists(config));

        var login = await CliRunner.RunAsync(env, "login", "--server", _fixture.Url, "--token", ServerFixture.AdminToken);
        Assert.Equal(0, login.ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(config)!));

        // Later commands use the saved server and token with nothing else set.
        var apps = await CliRunner.RunAsync(env, "apps", "list");
        Assert.Equal(0, apps.ExitCode);

        var logout = await CliRunner.RunAsync(env, "logout");
        Assert.Equal(0, logout.ExitCode);
        Assert.False(File.Exists(config));
    }

    [Fact]
    public async Task Login_NoTokenAndNoTerminal_ExitsTwo()
    {
        var env = new Dictionary<string, string?> { ["HOOKLINE_CONFIG"] = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "c.json") };

        var result = await CliRunner.RunAsync(env, "login", "--server", _fixture.Url);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: no token: pass --token or set HOOKLINE_TOKEN", result.Error.Trim());
    }
}
