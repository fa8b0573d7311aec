using System.Net.Http.Json;
using System.Text.Json;

namespace Hookline.Cli.Tests.Infrastructure;

/// <summary>
/// One real Hookline server process for a test class (SQLite in a temporary folder), with settings
/// that suit the CLI's tests: loopback receivers allowed, a one-second retry, a two-second relay
/// disconnect timeout. Tests keep apart by using unique uids.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string AdminToken = "hk_admin_cli_tests_0123456789abcdef";

    private readonly TemporaryDirectory _data = TemporaryDirectory.Create("hookline-cli-tests");

    public ServerProcess Server { get; private set; } = null!;

    public string Url => Server.BaseAddress.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Hookline:DataDirectory"] = _data.Path,
            ["Hookline:AdminToken"] = AdminToken,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            ["Hookline:Delivery:RetrySchedule"] = "1s",
            ["Hookline:Relay:DisconnectTimeout"] = "2s",
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _data.Dispose();
    }

    public HttpClient Admin() => Server.CreateClient(AdminToken);

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Creates an application with this uid.</summary>
    public async Task<string> CreateAppAsync(string uid)
    {
        using var client = Admin();
        using var response = await client.PostAsJsonAsync(new Uri("/api/v1/app", UriKind.Relative), new { name = uid, uid });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return uid;
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var client = Admin();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var client = Admin();
        using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The environment the CLI sees: this server and the admin token, and a private login file.</summary>
    public Dictionary<string, string?> Environment(string? configPath = null) => new()
    {
        ["HOOKLINE_SERVER"] = Url,
        ["HOOKLINE_TOKEN"] = AdminToken,
        ["HOOKLINE_CONFIG"] = configPath ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hookline-cli-tests", Guid.NewGuid().ToString("N"), "config.json"),
    };
}
