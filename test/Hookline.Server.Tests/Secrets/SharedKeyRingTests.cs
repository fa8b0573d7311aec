using System.Net;
using System.Text.RegularExpressions;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Secrets;

/// <summary>
/// Two nodes on one PostgreSQL database, each with its own data directory: the Data Protection key
/// ring lives in the database, so what one node seals the other opens, and the Console's sign-in
/// cookie issued by one is accepted by the other.
/// </summary>
public sealed partial class SharedKeyRingTests : IAsyncLifetime
{
    private PostgresTestDatabase? _database;

    public async Task InitializeAsync()
    {
        if (PostgresFactAttribute.ConnectionString is null)
        {
            return;
        }
        _database = new PostgresTestDatabase();
        await _database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Hookline:Storage:Provider"] = "postgres",
        ["Hookline:Storage:ConnectionString"] = _database!.ConnectionString,
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
    };

    [PostgresFact]
    public async Task TwoNodes_StartingTogether_ShareOneKeyRing_SecretsAndSignInCookie()
    {
        PostgresFactAttribute.RequireConnectionString();
        // Started together, as a new deployment's nodes are: they must not each make a first key.
        var started = await Task.WhenAll(HooklineHost.StartAsync(Settings()), HooklineHost.StartAsync(Settings()));
        await using var a = started[0];
        await using var b = started[1];
        Assert.NotEqual(a.DataDirectory, b.DataDirectory);
        Assert.Equal(1L, await _database!.ScalarAsync("SELECT count(*) FROM data_protection_keys"));

        using var adminA = a.CreateAdminClient();
        using var adminB = b.CreateAdminClient();
        var secretA = SecretsAtRestTests.NewEndpointSecret();
        await adminA.PostJsonAsync("/api/v1/app", new { name = "Shared", uid = "shared" }).ExpectAsync(HttpStatusCode.Created);
        await adminA.PostJsonAsync("/api/v1/app/shared/endpoint", new { url = "http://127.0.0.1:9/a", uid = "a", secret = secretA, headers = new { X_Tenant = "tenant-a" } })
            .ExpectAsync(HttpStatusCode.Created);
        var source = await adminA.PostJsonAsync("/ingest/api/v1/source", new { name = "GitHub", uid = "gh", type = "github", config = new { secret = "shared-source-secret" } })
            .ExpectAsync(HttpStatusCode.Created);

        // Node B opens what node A sealed.
        Assert.Equal(secretA, (await adminB.GetAtAsync("/api/v1/app/shared/endpoint/a/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
        var headers = await adminB.GetAtAsync("/api/v1/app/shared/endpoint/a/headers").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("tenant-a", headers.GetProperty("headers").GetProperty("X_Tenant").GetString());
        Assert.Equal(source.Str("ingestUrl").Replace(a.BaseAddress.ToString(), "", StringComparison.Ordinal),
            (await adminB.GetAtAsync("/ingest/api/v1/source/gh").ExpectAsync(HttpStatusCode.OK)).Str("ingestUrl").Replace(b.BaseAddress.ToString(), "", StringComparison.Ordinal));

        // And node A what node B sealed.
        var secretB = SecretsAtRestTests.NewEndpointSecret();
        await adminB.PostJsonAsync("/api/v1/app/shared/endpoint", new { url = "http://127.0.0.1:9/b", uid = "b", secret = secretB }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(secretB, (await adminA.GetAtAsync("/api/v1/app/shared/endpoint/b/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));

        // The Console: signed in on A, the cookie opens the dashboard on B.
        var cookie = await SignInAsync(a);
        using var browserB = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = b.BaseAddress };
        using (var anonymous = await browserB.GetAsync(new Uri("/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Add("Cookie", cookie);
        using var signedIn = await browserB.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    /// <summary>Signs in to the dashboard of <paramref name="host"/> as a browser does (form with its antiforgery token); returns the session cookie.</summary>
    private static async Task<string> SignInAsync(HooklineHost host)
    {
        var jar = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var page = await browser.GetStringAsync(new Uri("/login", UriKind.Relative));
        var antiforgery = AntiforgeryField().Match(page);
        Assert.True(antiforgery.Success, "the sign-in form has no antiforgery token");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = HooklineHost.AdminToken,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Value),
        });
        using var response = await browser.PostAsync(new Uri("/login", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var session = jar.GetCookies(host.BaseAddress)["hookline_console"];
        Assert.NotNull(session);
        return $"{session.Name}={session.Value}";
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
