using System.Net;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Auth;
using Hookline.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Tests.Api;

public sealed class IdempotencyTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly HooklineHost _host = fixture.Host;
    private readonly HttpClient _client = fixture.Host.CreateAdminClient();

    private async Task<string> NewAppAsync()
    {
        var uid = HostFixture.Unique("app");
        await _client.PostJsonAsync("/api/v1/app", new { name = "App", uid }).ExpectAsync(HttpStatusCode.Created);
        return uid;
    }

    [Fact]
    public async Task SameKey_ReplaysFirstResponse_AndCreatesOneMessage()
    {
        var app = await NewAppAsync();
        var key = Guid.NewGuid().ToString();

        using var first = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { n = 1 } }, key);
        using var second = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { n = 1 } }, key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(first.StatusCode, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal("true", second.Headers.GetValues("idempotent-replayed").Single());
        var list = await _client.GetAtAsync($"/api/v1/app/{app}/msg").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, list.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task DifferentKey_CreatesAnotherMessage()
    {
        var app = await NewAppAsync();

        var one = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { } }, "key-1").ExpectAsync(HttpStatusCode.Accepted);
        var two = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { } }, "key-2").ExpectAsync(HttpStatusCode.Accepted);

        Assert.NotEqual(one.Str("id"), two.Str("id"));
    }

    [Fact]
    public async Task SameKey_OtherRoute_IsIndependent()
    {
        var app = await NewAppAsync();
        var key = Guid.NewGuid().ToString();

        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = "http://127.0.0.1:9/" }, key).ExpectAsync(HttpStatusCode.Created);
        var msg = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { } }, key).ExpectAsync(HttpStatusCode.Accepted);

        Assert.StartsWith("ep_", ep.Str("id"), StringComparison.Ordinal);
        Assert.StartsWith("msg_", msg.Str("id"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientErrors_AreRemembered()
    {
        var app = await NewAppAsync();
        var key = Guid.NewGuid().ToString();

        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a" }, key).ExpectValidationAsync("body", "payload");
        using var replay = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { } }, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, replay.StatusCode);
    }

    [Fact]
    public async Task KeyStillInProgress_Answers409()
    {
        var app = await NewAppAsync();
        var path = $"/api/v1/app/{app}/msg";
        var keyHash = IdempotencyMiddleware.HashKey(Tokens.Hash(HooklineHost.AdminToken), "POST", path, "busy");
        var store = _host.Services.GetRequiredService<IIdempotencyStore>();
        var now = DateTimeOffset.UtcNow;
        var (state, _) = await store.TryAcquireIdempotencyKeyAsync(keyHash, now, now.AddHours(1), CancellationToken.None);
        Assert.Equal(IdempotencyState.Acquired, state);

        await _client.PostJsonAsync(path, new { eventType = "a", payload = new { } }, "busy").ExpectErrorAsync(HttpStatusCode.Conflict, "idempotency_in_progress");

        await store.AbandonIdempotencyKeyAsync(keyHash, CancellationToken.None);
        await _client.PostJsonAsync(path, new { eventType = "a", payload = new { } }, "busy").ExpectAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task IssuedToken_IsReplayedButNeverRememberedInClear()
    {
        var app = await NewAppAsync();
        var path = $"/api/v1/auth/app-portal-access/{app}";
        var key = Guid.NewGuid().ToString();

        var first = await _client.PostJsonAsync(path, new { }, key).ExpectAsync(HttpStatusCode.OK);
        using var replay = await _client.PostJsonAsync(path, new { }, key);

        var token = first.Str("token");
        Assert.Equal("true", replay.Headers.GetValues("idempotent-replayed").Single());
        Assert.Contains(token, await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // What the store holds for the key: sealed, without the token.
        var store = _host.Services.GetRequiredService<IIdempotencyStore>();
        var keyHash = IdempotencyMiddleware.HashKey(Tokens.Hash(HooklineHost.AdminToken), "POST", path, key);
        var (state, stored) = await store.TryAcquireIdempotencyKeyAsync(keyHash, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None);
        Assert.Equal(IdempotencyState.Completed, state);
        Assert.DoesNotContain(token, System.Text.Encoding.UTF8.GetString(stored!.Body), StringComparison.Ordinal);
        // And the database files on disk (SQLite and its write-ahead log) do not hold it anywhere.
        foreach (var file in Directory.GetFiles(_host.DataDirectory, "*.db*"))
        {
            using var read = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.DoesNotContain(token, System.Text.Encoding.Latin1.GetString(copy.ToArray()), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SealedBody_OpensOnlyForTheSameTokenAndKey()
    {
        var body = """{"token":"hk_app_secret"}"""u8.ToArray();
        var sealedBody = IdempotencyMiddleware.Seal(body, "hk_admin_a", "POST", "/p", "k");

        Assert.Equal(body, IdempotencyMiddleware.Open(sealedBody, "hk_admin_a", "POST", "/p", "k"));
        Assert.Null(IdempotencyMiddleware.Open(sealedBody, "hk_admin_b", "POST", "/p", "k"));
        Assert.Null(IdempotencyMiddleware.Open(sealedBody, "hk_admin_a", "POST", "/p", "other"));
        // Remembered in clear by an earlier version: replayed as it is until it expires.
        Assert.Equal(body, IdempotencyMiddleware.Open(body, "hk_admin_a", "POST", "/p", "k"));
    }
}
