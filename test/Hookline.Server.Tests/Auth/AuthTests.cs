using System.Net;
using Hookline.Core.Storage;
using Hookline.Server.Auth;
using Hookline.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Tests.Auth;

public sealed class AuthTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly HooklineHost _host = fixture.Host;
    private readonly HttpClient _admin = fixture.Host.CreateAdminClient();

    [Fact]
    public async Task Api_WithoutToken_Answers401()
    {
        using var anonymous = _host.CreateClient();

        await anonymous.GetAtAsync("/api/v1/app").ExpectErrorAsync(HttpStatusCode.Unauthorized, "authentication_failed");
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData("hk_app_not_a_real_token")]
    [InlineData(HooklineHost.AdminToken + "x")]
    public async Task Api_WithUnknownToken_Answers401(string token)
    {
        using var client = _host.CreateClient(token);

        await client.GetAtAsync("/api/v1/app").ExpectErrorAsync(HttpStatusCode.Unauthorized, "authentication_failed");
    }

    [Fact]
    public async Task Health_And_OpenApi_AreAnonymous()
    {
        using var anonymous = _host.CreateClient();

        await anonymous.GetAtAsync("/api/v1/health").ExpectAsync(HttpStatusCode.NoContent);
        await anonymous.GetAtAsync("/openapi/v1.json").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AppToken_ReachesItsAppOnly()
    {
        var a = HostFixture.Unique("a");
        var b = HostFixture.Unique("b");
        await _admin.PostJsonAsync("/api/v1/app", new { name = "A", uid = a }).ExpectAsync(HttpStatusCode.Created);
        await _admin.PostJsonAsync("/api/v1/app", new { name = "B", uid = b }).ExpectAsync(HttpStatusCode.Created);
        var epB = await _admin.PostJsonAsync($"/api/v1/app/{b}/endpoint", new { url = "http://127.0.0.1:9/b" }).ExpectAsync(HttpStatusCode.Created);
        var msgB = await _admin.PostJsonAsync($"/api/v1/app/{b}/msg", new { eventType = "x", payload = new { } }).ExpectAsync(HttpStatusCode.Accepted);

        var access = await _admin.PostJsonAsync($"/api/v1/auth/app-portal-access/{a}", new { }).ExpectAsync(HttpStatusCode.OK);
        var token = access.Str("token");
        Assert.StartsWith("hk_app_", token, StringComparison.Ordinal);
        Assert.Contains("/portal/app_", access.Str("url"), StringComparison.Ordinal);
        Assert.Contains("token=" + token, access.Str("url"), StringComparison.Ordinal);
        using var client = _host.CreateClient(token);

        // Its own application: readable, endpoints manageable.
        await client.GetAtAsync($"/api/v1/app/{a}").ExpectAsync(HttpStatusCode.OK);
        await client.PostJsonAsync($"/api/v1/app/{a}/endpoint", new { url = "http://127.0.0.1:9/a" }).ExpectAsync(HttpStatusCode.Created);
        await client.GetAtAsync($"/api/v1/app/{a}/msg").ExpectAsync(HttpStatusCode.OK);
        await client.GetAtAsync("/api/v1/event-type").ExpectAsync(HttpStatusCode.OK);

        // Another application's objects do not exist for it.
        await client.GetAtAsync($"/api/v1/app/{b}").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
        await client.GetAtAsync($"/api/v1/app/{b}/endpoint/{epB.Str("id")}").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
        await client.GetAtAsync($"/api/v1/app/{b}/msg/{msgB.Str("id")}").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
        await client.GetAtAsync($"/api/v1/app/{b}/attempt/endpoint/{epB.Str("id")}").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");

        // Organization-level operations are the admin's.
        await client.GetAtAsync("/api/v1/app").ExpectErrorAsync(HttpStatusCode.Forbidden);
        await client.PostJsonAsync("/api/v1/app", new { name = "C" }).ExpectErrorAsync(HttpStatusCode.Forbidden);
        await client.DeleteAtAsync($"/api/v1/app/{a}").ExpectErrorAsync(HttpStatusCode.Forbidden);
        await client.PostJsonAsync($"/api/v1/app/{a}/msg", new { eventType = "x", payload = new { } }).ExpectErrorAsync(HttpStatusCode.Forbidden);
        await client.PostJsonAsync("/api/v1/event-type", new { name = "x", description = "d" }).ExpectErrorAsync(HttpStatusCode.Forbidden);
        await client.GetAtAsync("/api/v1/operational-webhook/endpoint").ExpectErrorAsync(HttpStatusCode.Forbidden);
        await client.PostJsonAsync($"/api/v1/auth/app-portal-access/{a}", new { }).ExpectErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AppToken_StoredOnlyAsHash_AndLogoutInvalidatesIt()
    {
        var a = HostFixture.Unique("a");
        await _admin.PostJsonAsync("/api/v1/app", new { name = "A", uid = a }).ExpectAsync(HttpStatusCode.Created);
        var token = (await _admin.PostJsonAsync($"/api/v1/auth/app-portal-access/{a}", null).ExpectAsync(HttpStatusCode.OK)).Str("token");
        var store = _host.Services.GetRequiredService<IHooklineStore>();
        Assert.NotNull(await store.GetAppTokenAsync(Tokens.Hash(token), DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Null(await store.GetAppTokenAsync(token, DateTimeOffset.UtcNow, CancellationToken.None));
        using var client = _host.CreateClient(token);
        await client.GetAtAsync($"/api/v1/app/{a}").ExpectAsync(HttpStatusCode.OK);

        await client.PostJsonAsync("/api/v1/auth/logout", null).ExpectAsync(HttpStatusCode.NoContent);

        await client.GetAtAsync($"/api/v1/app/{a}").ExpectErrorAsync(HttpStatusCode.Unauthorized);
        await _admin.GetAtAsync($"/api/v1/app/{a}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AppPortalAccess_UnknownApp_Answers404_OrCreatesItWhenApplicationGiven()
    {
        var uid = HostFixture.Unique("portal");
        await _admin.PostJsonAsync($"/api/v1/auth/app-portal-access/{uid}", new { }).ExpectErrorAsync(HttpStatusCode.NotFound);

        await _admin.PostJsonAsync($"/api/v1/auth/app-portal-access/{uid}", new { application = new { name = "Portal app", uid } }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Portal app", (await _admin.GetAtAsync($"/api/v1/app/{uid}").ExpectAsync(HttpStatusCode.OK)).Str("name"));
    }

    [Fact]
    public async Task AppPortalAccess_UsesConfiguredPublicUrl()
    {
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?> { ["Hookline:PublicUrl"] = "https://hooks.example.com/" });
        using var admin = host.CreateAdminClient();
        await admin.PostJsonAsync("/api/v1/app", new { name = "A", uid = "a" }).ExpectAsync(HttpStatusCode.Created);

        var access = await admin.PostJsonAsync("/api/v1/auth/app-portal-access/a", new { }).ExpectAsync(HttpStatusCode.OK);

        Assert.StartsWith("https://hooks.example.com/portal/app_", access.Str("url"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminToken_GeneratedOnFirstStart_PrintedOnceAndStoredAsHash()
    {
        using var data = TemporaryDirectory.Create("hookline-tests");
        var dataDirectory = data.Path;
        string token;
        await using (var first = await HooklineHost.StartAsync(new Dictionary<string, string?> { ["Hookline:AdminToken"] = null }, dataDirectory))
        {
            var printed = first.Console.ToString();
            var match = System.Text.RegularExpressions.Regex.Match(printed, "hk_admin_[A-Za-z0-9_-]{43}");
            Assert.True(match.Success, printed);
            token = match.Value;
            using var client = first.CreateClient(token);
            await client.GetAtAsync("/api/v1/app").ExpectAsync(HttpStatusCode.OK);
            using var configured = first.CreateClient(HooklineHost.AdminToken);
            await configured.GetAtAsync("/api/v1/app").ExpectErrorAsync(HttpStatusCode.Unauthorized);
            var stored = await first.Services.GetRequiredService<IAuthStore>().GetSettingAsync(AdminCredential.SettingName, CancellationToken.None);
            Assert.Equal(Tokens.Hash(token), stored);
        }

        await using var second = await HooklineHost.StartAsync(new Dictionary<string, string?> { ["Hookline:AdminToken"] = null }, dataDirectory);
        Assert.DoesNotContain("hk_admin_", second.Console.ToString(), StringComparison.Ordinal);
        using var again = second.CreateClient(token);
        await again.GetAtAsync("/api/v1/app").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AdminToken_Configured_IsNotPrinted()
    {
        Assert.DoesNotContain(HooklineHost.AdminToken, _host.Console.ToString(), StringComparison.Ordinal);
        Assert.Contains("Hookline listening on http://127.0.0.1:", _host.Console.ToString(), StringComparison.Ordinal);
        await Task.CompletedTask;
    }
}
