using System.Net.Http.Json;
using System.Text.Json;

namespace Hookline.Console.Tests.Infrastructure;

/// <summary>
/// One Hookline server process (started the way the README starts it, on its embedded SQLite store)
/// and one headless Chromium, shared by the tests of a class. Tests keep apart by using their own
/// applications.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string AdminToken = "hk_admin_console_tests_0123456789abcdef";

    private TemporaryDirectory? _data;
    private IPlaywright? _playwright;

    public ServerProcess Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseAddress => Server.BaseAddress;

    public async Task InitializeAsync()
    {
        _data = TemporaryDirectory.Create("console-tests");
        Server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Hookline:DataDirectory"] = _data.Path,
            ["Hookline:AdminToken"] = AdminToken,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            ["Hookline:Delivery:RetrySchedule"] = "1s,1s,1s",
        });
        if (BrowserFactAttribute.ExecutablePath is null && !BrowserFactAttribute.IsCi)
        {
            return;
        }
        // The machine may be busy (CI has two cores for everything): wait up to 15 s for what a page should show.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchAsync(_playwright);
    }

    /// <summary>Debian's Chromium, headless, as root (no sandbox), with nothing that reaches the internet.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] extraArgs) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFactAttribute.RequireExecutablePath(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", .. extraArgs],
        });

    public IPlaywright Playwright => _playwright ?? throw new InvalidOperationException("No browser.");

    /// <summary>A fresh browser context (its own cookies and storage) and a page whose console errors are collected.</summary>
    public async Task<ConsolePage> NewPageAsync(IBrowser? browser = null)
    {
        var context = await (browser ?? Browser).NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        context.SetDefaultTimeout(20_000);
        return new ConsolePage(context, await context.NewPageAsync());
    }

    /// <summary>A client of the server's API with the admin token.</summary>
    public HttpClient Api() => Server.CreateClient(AdminToken);

    /// <summary>Creates an application through the API and returns its id.</summary>
    public async Task<string> CreateAppAsync(string name)
    {
        using var api = Api();
        using var response = await api.PostAsJsonAsync("/api/v1/app", new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>A portal link for the application, as <c>app-portal-access</c> hands it out.</summary>
    public async Task<string> PortalUrlAsync(string appId, long? expirySeconds = null)
    {
        using var api = Api();
        using var response = await api.PostAsJsonAsync($"/api/v1/auth/app-portal-access/{appId}", new { expiry = expirySeconds });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var api = Api();
        using var response = await api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var api = Api();
        using var response = await api.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Creates an endpoint through the API and returns its id.</summary>
    public async Task<string> CreateEndpointAsync(string appId, string url, string? description = null) =>
        (await PostAsync($"/api/v1/app/{appId}/endpoint", new { url, description = description ?? "" })).GetProperty("id").GetString()!;

    /// <summary>Sends a message through the API and returns its id.</summary>
    public async Task<string> SendMessageAsync(string appId, string eventType, object payload) =>
        (await PostAsync($"/api/v1/app/{appId}/msg", new { eventType, payload })).GetProperty("id").GetString()!;

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (Server is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "hookline-console-tests-server.log"), Server.Output);
            await Server.DisposeAsync();
        }
        _data?.Dispose();
    }
}
