using System.Net;
using System.Text.Json;
using Hookline.Core.Operational;
using Hookline.Core.Storage;
using Hookline.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Tests.Endpoints;

public sealed class EndpointApiTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const string Url = "http://127.0.0.1:9/hook";
    private readonly HooklineHost _host = fixture.Host;
    private readonly HttpClient _client = fixture.Host.CreateAdminClient();

    private async Task<string> NewAppAsync()
    {
        var uid = HostFixture.Unique("app");
        await _client.PostJsonAsync("/api/v1/app", new { name = "App", uid }).ExpectAsync(HttpStatusCode.Created);
        return uid;
    }

    [Fact]
    public async Task Create_FullBody_Answers201WithSvixShapeAndHooklineFields()
    {
        var app = await NewAppAsync();

        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new
        {
            url = Url,
            description = "Orders",
            uid = "orders",
            filterTypes = new[] { "order.created", "order.paid" },
            channels = new[] { "eu" },
            rateLimit = 10,
            metadata = new { team = "billing" },
            ordered = true,
            maxConcurrency = 3,
        }).ExpectAsync(HttpStatusCode.Created);

        Assert.StartsWith("ep_", ep.Str("id"), StringComparison.Ordinal);
        Assert.Equal("orders", ep.Str("uid"));
        Assert.Equal(Url, ep.Str("url"));
        Assert.Equal("Orders", ep.Str("description"));
        Assert.Equal(["order.created", "order.paid"], ep.GetProperty("eventTypes").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["order.created", "order.paid"], ep.GetProperty("filterTypes").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(10, ep.GetProperty("throttleRate").GetInt32());
        Assert.Equal(10, ep.GetProperty("rateLimit").GetInt32());
        Assert.False(ep.GetProperty("disabled").GetBoolean());
        Assert.True(ep.GetProperty("ordered").GetBoolean());
        Assert.Equal(3, ep.GetProperty("maxConcurrency").GetInt32());
        Assert.Equal("billing", ep.GetProperty("metadata").Str("team"));

        var byUid = await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/orders").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(ep.Str("id"), byUid.Str("id"));
    }

    [Fact]
    public async Task Create_UidTakenInApp_Answers409_ButFreeInAnotherApp()
    {
        var app = await NewAppAsync();
        var other = await NewAppAsync();
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "same" }).ExpectAsync(HttpStatusCode.Created);

        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "same" }).ExpectErrorAsync(HttpStatusCode.Conflict, "conflict");
        await _client.PostJsonAsync($"/api/v1/app/{other}/endpoint", new { url = Url, uid = "same" }).ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("{}", "body/url")]
    [InlineData("{\"url\":\"ftp://example.invalid/x\"}", "body/url")]
    [InlineData("{\"url\":\"not a url\"}", "body/url")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/\",\"throttleRate\":0}", "body/throttleRate")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/\",\"eventTypes\":[]}", "body/eventTypes")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/\",\"channels\":[\"bad channel\"]}", "body/channels/0")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/\",\"uid\":\"ep_reserved_prefix\"}", "body/uid")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/\",\"secret\":\"whsec_tooshort\"}", "body/secret")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/\",\"maxConcurrency\":0}", "body/maxConcurrency")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/\",\"headers\":{\"content-type\":\"x\"}}", "body/headers/content-type")]
    [InlineData("{\"url\":\"http://169.254.169.254/latest/meta-data\"}", "body/url")]
    public async Task Create_InvalidBody_Answers422WithLoc(string body, string loc)
    {
        var app = await NewAppAsync();

        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", body).ExpectValidationAsync(loc.Split('/'));
    }

    [Fact]
    public async Task Create_LoopbackUrlWithoutAllowPrivateNetworks_Answers422()
    {
        await using var host = await HooklineHost.StartAsync();
        using var client = host.CreateAdminClient();
        await client.PostJsonAsync("/api/v1/app", new { name = "App", uid = "a" }).ExpectAsync(HttpStatusCode.Created);

        var body = await client.PostJsonAsync("/api/v1/app/a/endpoint", new { url = "http://127.0.0.1:8080/hook" }).ExpectValidationAsync("body", "url");

        Assert.Contains("unless the server allows the network (Hookline:Delivery:AllowPrivateNetworks", body.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0/hook", "port must be between 1 and 65535")]
    [InlineData("http://127.0.0.1:9/ho\nok", "control characters")]
    [InlineData("http://127.0.0.1:9/hook\t", "control characters")]
    public async Task Create_PortZeroOrControlCharacters_Answers422(string url, string reason)
    {
        var app = await NewAppAsync();

        var body = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url }).ExpectValidationAsync("body", "url");

        Assert.Contains(reason, body.GetRawText(), StringComparison.Ordinal);
        var list = await _client.GetAtAsync($"/api/v1/app/{app}/endpoint").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Create_CloudMetadataUrl_Answers422NamingOnlyTheSettingThatOpensIt()
    {
        var app = await NewAppAsync();

        var body = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = "http://169.254.169.254/latest" }).ExpectValidationAsync("body", "url");

        // AllowPrivateNetworks (on in this fixture) never opens link-local; only AllowedNetworks does.
        var message = body.GetRawText();
        Assert.Contains("link-local", message, StringComparison.Ordinal);
        Assert.Contains("lists the network in Hookline:Delivery:AllowedNetworks", message, StringComparison.Ordinal);
        Assert.Contains("AllowPrivateNetworks does not open it", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithWhsecSecret_KeepsItAndWithWhskShowsPublicKey()
    {
        var app = await NewAppAsync();
        const string hmac = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "hmac", secret = hmac }).ExpectAsync(HttpStatusCode.Created);
        var bare = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "bare", secret = "C2FVsBQIhrscChlQIMV+b5sSYspob7oD" }).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(hmac, (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/hmac/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
        Assert.Equal(hmac, (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/{bare.Str("id")}/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));

        using var ed = Hookline.Signatures.StandardWebhooks.StandardWebhookSecret.GenerateEd25519();
        using var pub = ed.GetPublicKey();
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "ed", secret = ed.Export() }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(pub.Export(), (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/ed/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
    }

    [Fact]
    public async Task Create_WithoutSecret_GeneratesWhsec()
    {
        var app = await NewAppAsync();
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "gen" }).ExpectAsync(HttpStatusCode.Created);

        var key = (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/gen/secret").ExpectAsync(HttpStatusCode.OK)).Str("key");

        Assert.Matches("^whsec_[a-zA-Z0-9+/=]{32,100}$", key);
    }

    [Fact]
    public async Task RotateSecret_WithGrace_NewKeyCurrentAndOldStillSigning()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url }).ExpectAsync(HttpStatusCode.Created);
        var before = (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}/secret").ExpectAsync(HttpStatusCode.OK)).Str("key");

        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}/secret/rotate", new { gracePeriodSeconds = 3600 }).ExpectAsync(HttpStatusCode.NoContent);

        var after = (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}/secret").ExpectAsync(HttpStatusCode.OK)).Str("key");
        Assert.NotEqual(before, after);
        var store = _host.Services.GetRequiredService<IHooklineStore>();
        var appId = (await store.GetApplicationAsync(app, CancellationToken.None))!.Id;
        var stored = (await store.GetEndpointAsync(appId, ep.Str("id"), CancellationToken.None))!;
        var signing = stored.SigningSecrets(DateTimeOffset.UtcNow).ToList();
        Assert.Equal([after, before], signing);
        var old = Assert.Single(stored.Secrets, s => s.Key == before);
        Assert.InRange(old.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(65));
        Assert.DoesNotContain(before, stored.SigningSecrets(DateTimeOffset.UtcNow.AddHours(2)));
    }

    [Fact]
    public async Task RotateSecret_EmptyBody_UsesDefault24hGraceAndGivenKeyIsUsed()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url }).ExpectAsync(HttpStatusCode.Created);
        const string key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}/secret/rotate", new { key }).ExpectAsync(HttpStatusCode.NoContent);
        using var empty = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/app/{app}/endpoint/{ep.Str("id")}/secret/rotate", UriKind.Relative));
        await (await _client.SendAsync(empty)).ExpectAsync(HttpStatusCode.NoContent);

        var store = _host.Services.GetRequiredService<IHooklineStore>();
        var appId = (await store.GetApplicationAsync(app, CancellationToken.None))!.Id;
        var stored = (await store.GetEndpointAsync(appId, ep.Str("id"), CancellationToken.None))!;
        var given = Assert.Single(stored.Secrets, s => s.Key == key);
        Assert.InRange(given.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddHours(23), DateTimeOffset.UtcNow.AddHours(25));
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}/secret/rotate", new { gracePeriodSeconds = 604801 })
            .ExpectValidationAsync("body", "gracePeriodSeconds");
    }

    [Fact]
    public async Task Headers_SensitiveValues_AreHiddenOnRead()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url }).ExpectAsync(HttpStatusCode.Created);
        var path = $"/api/v1/app/{app}/endpoint/{ep.Str("id")}/headers";

        await _client.PutJsonAsync(path, new { headers = new Dictionary<string, string>
        {
            ["Authorization"] = "Bearer secret",
            ["X-API-Key"] = "k",
            ["Cookie"] = "session=1",
            ["X-Tenant"] = "t1",
        } }).ExpectAsync(HttpStatusCode.NoContent);
        var read = await _client.GetAtAsync(path).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("t1", read.GetProperty("headers").Str("X-Tenant"));
        Assert.False(read.GetProperty("headers").TryGetProperty("Authorization", out _));
        Assert.Equal(["Authorization", "Cookie", "X-API-Key"], read.GetProperty("sensitive").EnumerateArray().Select(x => x.GetString()).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("secret", read.GetRawText(), StringComparison.Ordinal);

        await _client.PatchJsonAsync(path, "{\"headers\":{\"X-Tenant\":null,\"X-Region\":\"eu\"}}").ExpectAsync(HttpStatusCode.NoContent);
        var patched = await _client.GetAtAsync(path).ExpectAsync(HttpStatusCode.OK);
        Assert.False(patched.GetProperty("headers").TryGetProperty("X-Tenant", out _));
        Assert.Equal("eu", patched.GetProperty("headers").Str("X-Region"));
        Assert.Equal(3, patched.GetProperty("sensitive").GetArrayLength());

        await _client.PutJsonAsync(path, new { headers = new Dictionary<string, string> { ["webhook-signature"] = "x" } }).ExpectValidationAsync("body", "headers", "webhook-signature");
    }

    [Fact]
    public async Task Update_PutAndPatch_ChangeFieldsAndKeepSecret()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "u1", eventTypes = new[] { "a" } }).ExpectAsync(HttpStatusCode.Created);
        var secret = (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/u1/secret").ExpectAsync(HttpStatusCode.OK)).Str("key");

        var put = await _client.PutJsonAsync($"/api/v1/app/{app}/endpoint/u1", new { url = "http://127.0.0.1:10/x", uid = "u1", disabled = true }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(ep.Str("id"), put.Str("id"));
        Assert.True(put.GetProperty("disabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, put.GetProperty("eventTypes").ValueKind);

        var patch = await _client.PatchJsonAsync($"/api/v1/app/{app}/endpoint/u1", new { disabled = false, description = "d" }).ExpectAsync(HttpStatusCode.OK);
        Assert.False(patch.GetProperty("disabled").GetBoolean());
        Assert.Equal("d", patch.Str("description"));
        Assert.Equal("http://127.0.0.1:10/x", patch.Str("url"));
        Assert.Equal(secret, (await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/u1/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));

        var upserted = await _client.PutJsonAsync($"/api/v1/app/{app}/endpoint/new-uid", new { url = Url }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("new-uid", upserted.Str("uid"));
    }

    [Fact]
    public async Task Delete_ThenGet_Answers404()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url }).ExpectAsync(HttpStatusCode.Created);

        await _client.DeleteAtAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
        await _client.GetAtAsync($"/api/v1/app/no-such-app/endpoint").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task List_IteratorWalk_CoversAllEndpointsOnce()
    {
        var app = await NewAppAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url }).ExpectAsync(HttpStatusCode.Created)).Str("id"));
        }

        var seen = new List<string>();
        string? iterator = null;
        do
        {
            var page = await _client.GetAtAsync($"/api/v1/app/{app}/endpoint?limit=2{(iterator is null ? "" : "&iterator=" + iterator)}").ExpectAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(e => e.Str("id")));
            iterator = page.GetProperty("done").GetBoolean() ? null : page.Str("iterator");
        }
        while (iterator is not null);

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task EndpointChanges_PublishOperationalWebhooks()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "watched" }).ExpectAsync(HttpStatusCode.Created);
        await _client.PatchJsonAsync($"/api/v1/app/{app}/endpoint/watched", new { description = "x" }).ExpectAsync(HttpStatusCode.OK);
        await _client.DeleteAtAsync($"/api/v1/app/{app}/endpoint/watched").ExpectAsync(HttpStatusCode.NoContent);

        var store = _host.Services.GetRequiredService<IHooklineStore>();
        var operational = await _host.Services.GetRequiredService<OperationalWebhooks>().GetApplicationAsync(CancellationToken.None);
        var page = await store.ListMessagesAsync(operational.Id, new MessageFilter(), new ListQuery { Limit = 250 }, withContent: true, CancellationToken.None);
        var events = page.Data
            .Select(m => JsonDocument.Parse(m.Payload!).RootElement)
            .Where(p => p.GetProperty("data").Str("endpointId") == ep.Str("id"))
            .Select(p => p.Str("type"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["endpoint.created", "endpoint.deleted", "endpoint.updated"], events);
    }

    [Fact]
    public async Task OperationalWebhookEndpoints_CrudAndSecret_WorkAndRejectUnknownEventTypes()
    {
        var created = await _client.PostJsonAsync("/api/v1/operational-webhook/endpoint", new { url = Url, filterTypes = new[] { "endpoint.disabled" } })
            .ExpectAsync(HttpStatusCode.Created);
        var id = created.Str("id");

        Assert.Contains(id, (await _client.GetAtAsync("/api/v1/operational-webhook/endpoint").ExpectAsync(HttpStatusCode.OK)).GetRawText(), StringComparison.Ordinal);
        Assert.StartsWith("whsec_", (await _client.GetAtAsync($"/api/v1/operational-webhook/endpoint/{id}/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"), StringComparison.Ordinal);
        await _client.PostJsonAsync($"/api/v1/operational-webhook/endpoint/{id}/secret/rotate", new { }).ExpectAsync(HttpStatusCode.NoContent);
        await _client.PatchJsonAsync($"/api/v1/operational-webhook/endpoint/{id}", new { disabled = true }).ExpectAsync(HttpStatusCode.OK);
        await _client.PostJsonAsync("/api/v1/operational-webhook/endpoint", new { url = Url, filterTypes = new[] { "user.signup" } })
            .ExpectValidationAsync("body", "filterTypes");
        await _client.DeleteAtAsync($"/api/v1/operational-webhook/endpoint/{id}").ExpectAsync(HttpStatusCode.NoContent);
        await _client.GetAtAsync($"/api/v1/operational-webhook/endpoint/{id}").ExpectErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Stats_NewEndpoint_AllZero()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url }).ExpectAsync(HttpStatusCode.Created);

        var stats = await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}/stats").ExpectAsync(HttpStatusCode.OK);

        foreach (var field in new[] { "success", "pending", "fail", "sending", "canceled" })
        {
            Assert.Equal(0, stats.GetProperty(field).GetInt64());
        }
    }

    [Fact]
    public async Task Put_AddressedByUidWithoutUidInBody_KeepsTheUid()
    {
        var app = await NewAppAsync();
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = Url, uid = "kept" }).ExpectAsync(HttpStatusCode.Created);

        var byUid = await _client.PutJsonAsync($"/api/v1/app/{app}/endpoint/kept", new { url = Url }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("kept", byUid.Str("uid"));

        var byId = await _client.PutJsonAsync($"/api/v1/app/{app}/endpoint/{ep.Str("id")}", new { url = Url }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, byId.GetProperty("uid").ValueKind);
    }
}
