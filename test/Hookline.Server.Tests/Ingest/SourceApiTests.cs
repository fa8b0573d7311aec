using System.Net;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Ingest;

/// <summary>The Svix Ingest source API: shapes, validation, upsert and patch, token rotation, access, and the source's endpoints.</summary>
public sealed class SourceApiTests(IngestFixture fixture) : IClassFixture<IngestFixture>
{
    private readonly HttpClient _admin = fixture.Admin;

    private async Task<JsonElement> CreateAsync(object body) => await _admin.PostJsonAsync("/ingest/api/v1/source", body).ExpectAsync(HttpStatusCode.Created);

    [Fact]
    public async Task Create_Stripe_AnswersSvixShape_WithIngestUrl_AndNoSecretInConfig()
    {
        var uid = HostFixture.Unique("stripe");

        var source = await CreateAsync(new { name = "Stripe prod", uid, type = "stripe", config = new { secret = "whsec_abc123", toleranceSeconds = 600 }, metadata = new { team = "billing" } });

        Assert.Matches("^src_[A-Za-z0-9]{22}$", source.Str("id"));
        Assert.Equal(uid, source.Str("uid"));
        Assert.Equal("Stripe prod", source.Str("name"));
        Assert.Equal("stripe", source.Str("type"));
        Assert.Equal("billing", source.GetProperty("metadata").Str("team"));
        Assert.False(source.GetProperty("config").TryGetProperty("secret", out _), source.ToString());
        Assert.DoesNotContain("whsec_abc123", source.ToString(), StringComparison.Ordinal);
        Assert.Equal(600, source.GetProperty("config").GetProperty("toleranceSeconds").GetInt32());
        Assert.StartsWith(fixture.Host.BaseAddress.ToString().TrimEnd('/') + "/ingest/", source.Str("ingestUrl"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, source.GetProperty("createdAt").ValueKind);

        var byUid = await _admin.GetAtAsync($"/ingest/api/v1/source/{uid}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(source.Str("id"), byUid.Str("id"));
        Assert.Equal(source.Str("ingestUrl"), byUid.Str("ingestUrl"));
        var list = await _admin.GetAtAsync("/ingest/api/v1/source?limit=250").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("data").EnumerateArray(), s => s.Str("id") == source.Str("id"));
    }

    [Fact]
    public async Task Create_BadConfig_Answers422WithTheReasonPerConfigKey()
    {
        var body = await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "Bad", type = "stripe", config = new { secret = " padded ", tolerance = 5 } })
            .ExpectValidationAsync("body", "config", "secret");
        var locs = body.GetProperty("detail").EnumerateArray().Select(d => string.Join('/', d.GetProperty("loc").EnumerateArray().Select(l => l.GetString()))).ToList();
        Assert.Contains("body/config/tolerance", locs);

        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "No config", type = "github" }).ExpectValidationAsync("body", "config", "secret");
        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "Unknown", type = "carrier-pigeon", config = new { } }).ExpectValidationAsync("body", "type");
        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "No type" }).ExpectValidationAsync("body", "type");
        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "X", type = "generic-webhook" }).ExpectValidationAsync("body", "name");
        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "Prefixed", uid = "src_nope", type = "generic-webhook" }).ExpectValidationAsync("body", "uid");
        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "Nested", type = "svix", config = new { secret = new { a = 1 } } }).ExpectValidationAsync("body", "config", "secret");
        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "Number", type = "github", config = new { secret = 5 } }).ExpectValidationAsync("body", "config", "secret");
        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "Hmac", type = "hmac", config = new { secret = "s" } }).ExpectValidationAsync("body", "config", "header");
    }

    [Fact]
    public async Task Create_SvixNamesAndHooklineAdditions_AreAccepted_CaseCanonicalized()
    {
        foreach (var (type, config) in new (string, object)[]
        {
            ("clerk", new { secret = "whsec_" + Convert.ToBase64String(new byte[32]) }),
            ("Slack", new { secret = "slack-signing-secret" }),
            ("twilio", new { secret = "0123456789abcdef0123456789abcdef" }),
            ("generic-webhook", new { }),
        })
        {
            var source = await CreateAsync(new { name = $"{type} source", type, config });
            Assert.Equal(type.ToLowerInvariant(), source.Str("type"));
        }
    }

    [Fact]
    public async Task Create_UidTaken_Answers409()
    {
        var uid = HostFixture.Unique("dup");
        await CreateAsync(new { name = "One", uid, type = "generic-webhook" });

        await _admin.PostJsonAsync("/ingest/api/v1/source", new { name = "Two", uid, type = "generic-webhook" }).ExpectErrorAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Upsert_MissingUid_Creates_ThenReplaces_KeepingTheUidAndIngestUrl()
    {
        var uid = HostFixture.Unique("ups");

        var created = await _admin.PutJsonAsync($"/ingest/api/v1/source/{uid}", new { name = "First", type = "github", config = new { secret = "one" } }).ExpectAsync(HttpStatusCode.Created);
        var replaced = await _admin.PutJsonAsync($"/ingest/api/v1/source/{uid}", new { name = "Second", type = "shopify", config = new { secret = "two" } }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(uid, created.Str("uid"));
        Assert.Equal(created.Str("id"), replaced.Str("id"));
        Assert.Equal(uid, replaced.Str("uid"));
        Assert.Equal("Second", replaced.Str("name"));
        Assert.Equal("shopify", replaced.Str("type"));
        Assert.Equal(created.Str("ingestUrl"), replaced.Str("ingestUrl"));
        await _admin.PutJsonAsync("/ingest/api/v1/source/src_0000000000000000000000", new { name = "Ghost", type = "generic-webhook" }).ExpectErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Patch_NameMetadataAndConfig_ChangesOnlyThose_NewSecretVerifiesAtOnce()
    {
        var source = await fixture.CreateSourceAsync("github", new { secret = "old-secret" });
        var patched = await _admin.PatchJsonAsync($"/ingest/api/v1/source/{source.Id}", new { name = "Renamed", config = new { secret = "new-secret" } }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Renamed", patched.Str("name"));
        Assert.Equal("github", patched.Str("type"));

        var body = "{\"zen\":\"original\"}"u8.ToArray();
        (string, string)[] Signed(string secret) => [("X-Hub-Signature-256", "sha256=" + Mac.HexSha256(secret, body)), ("X-GitHub-Delivery", Guid.NewGuid().ToString())];
        using (var old = await source.PostAsync(body, Signed("old-secret").Select(h => new KeyValuePair<string, string>(h.Item1, h.Item2))))
        {
            await old.ExpectAsync(HttpStatusCode.Unauthorized);
        }
        using var fresh = await source.PostAsync(body, Signed("new-secret").Select(h => new KeyValuePair<string, string>(h.Item1, h.Item2)));
        await fresh.ExpectAsync(HttpStatusCode.OK);

        await _admin.PatchJsonAsync($"/ingest/api/v1/source/{source.Id}", new { type = "stripe" }).ExpectValidationAsync("body", "config");
        await _admin.PatchJsonAsync($"/ingest/api/v1/source/{source.Id}", new { config = new { secret = "" } }).ExpectValidationAsync("body", "config", "secret");
    }

    [Fact]
    public async Task RotateToken_NewUrlWorks_OldUrlKeepsWorkingDuringTheGracePeriod()
    {
        var source = await fixture.CreateSourceAsync("generic-webhook", null);

        var rotated = await _admin.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/token/rotate", null).ExpectAsync(HttpStatusCode.OK);

        var newUrl = rotated.Str("ingestUrl");
        Assert.NotEqual(source.IngestUrl, newUrl);
        Assert.Equal(newUrl, (await _admin.GetAtAsync($"/ingest/api/v1/source/{source.Id}").ExpectAsync(HttpStatusCode.OK)).Str("ingestUrl"));
        using (var viaOld = await fixture.Provider.PostAsync(new Uri(source.IngestUrl), new StringContent("{\"via\":\"old\"}")))
        {
            await viaOld.ExpectAsync(HttpStatusCode.OK);
        }
        using (var viaNew = await fixture.Provider.PostAsync(new Uri(newUrl), new StringContent("{\"via\":\"new\"}")))
        {
            await viaNew.ExpectAsync(HttpStatusCode.OK);
        }
        Assert.Equal(2, (await source.WaitForwardedAsync(2)).Count);
    }

    [Fact]
    public async Task IngestUrl_UnknownToken_Answers404_AndDeletedSourceStopsReceiving()
    {
        using (var unknown = await fixture.Provider.PostAsync(new Uri(fixture.Host.BaseAddress, "/ingest/not-a-token"), new StringContent("{}")))
        {
            await Task.FromResult(unknown).ExpectErrorAsync(HttpStatusCode.NotFound);
        }
        var source = await fixture.CreateSourceAsync("generic-webhook", null);

        await _admin.DeleteAtAsync($"/ingest/api/v1/source/{source.Id}").ExpectAsync(HttpStatusCode.NoContent);

        await _admin.GetAtAsync($"/ingest/api/v1/source/{source.Id}").ExpectErrorAsync(HttpStatusCode.NotFound);
        using var gone = await fixture.Provider.PostAsync(new Uri(source.IngestUrl), new StringContent("{}"));
        await Task.FromResult(gone).ExpectErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ManagementRoutes_NeedTheAdminToken_SourcesAppsStayHidden()
    {
        var source = await fixture.CreateSourceAsync("generic-webhook", null);
        using var anonymous = fixture.Host.CreateClient();
        await anonymous.GetAtAsync("/ingest/api/v1/source").ExpectErrorAsync(HttpStatusCode.Unauthorized);

        // An application's portal token reaches neither the source API nor the source's endpoints.
        var app = await _admin.PostJsonAsync("/api/v1/app", new { name = "Tenant" }).ExpectAsync(HttpStatusCode.Created);
        var portal = await _admin.PostJsonAsync($"/api/v1/auth/app-portal-access/{app.Str("id")}", new { }).ExpectAsync(HttpStatusCode.OK);
        using var tenant = fixture.Host.CreateClient(portal.Str("token"));
        await tenant.GetAtAsync("/ingest/api/v1/source").ExpectErrorAsync(HttpStatusCode.Forbidden);
        await tenant.GetAtAsync($"/ingest/api/v1/source/{source.Id}").ExpectErrorAsync(HttpStatusCode.NotFound);
        await tenant.GetAtAsync($"/ingest/api/v1/source/{source.Id}/endpoint").ExpectErrorAsync(HttpStatusCode.NotFound);

        // The source's hidden application is not an application of the v1 API.
        var apps = await _admin.GetAtAsync("/api/v1/app?limit=250").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(apps.GetProperty("data").EnumerateArray(), a => a.Str("name").StartsWith("Ingest source", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_GivesATokenScopedToTheSource()
    {
        var source = await fixture.CreateSourceAsync("generic-webhook", null);
        var other = await fixture.CreateSourceAsync("generic-webhook", null);

        var access = await _admin.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/dashboard", new { expiry = 3600 }).ExpectAsync(HttpStatusCode.OK);

        Assert.Contains(source.Id, access.Str("url"), StringComparison.Ordinal);
        using var scoped = fixture.Host.CreateClient(access.Str("token"));
        await scoped.GetAtAsync($"/ingest/api/v1/source/{source.Id}").ExpectAsync(HttpStatusCode.OK);
        await scoped.GetAtAsync($"/ingest/api/v1/source/{source.Id}/endpoint").ExpectAsync(HttpStatusCode.OK);
        await scoped.GetAtAsync($"/ingest/api/v1/source/{source.Id}/log").ExpectAsync(HttpStatusCode.OK);
        await scoped.GetAtAsync($"/ingest/api/v1/source/{other.Id}").ExpectErrorAsync(HttpStatusCode.NotFound);
        await scoped.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/token/rotate", null).ExpectErrorAsync(HttpStatusCode.Forbidden);
        // The event catalog belongs to the applications' portals, not to a source's.
        var eventType = HostFixture.Unique("catalog");
        await _admin.PostJsonAsync("/api/v1/event-type", new { name = eventType, description = "d" }).ExpectAsync(HttpStatusCode.Created);
        await scoped.GetAtAsync("/api/v1/event-type").ExpectErrorAsync(HttpStatusCode.Forbidden);
        await scoped.GetAtAsync($"/api/v1/event-type/{eventType}").ExpectErrorAsync(HttpStatusCode.Forbidden);
        await _admin.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/dashboard", new { readOnly = true }).ExpectValidationAsync("body", "readOnly");
    }

    [Fact]
    public async Task SourceEndpoints_SameHandlersAsAppEndpoints_CrudSecretAndHeaders()
    {
        var source = await fixture.CreateSourceAsync("generic-webhook", null);
        var root = $"/ingest/api/v1/source/{source.Id}/endpoint";

        var created = await _admin.PostJsonAsync(root, new { url = fixture.Receiver.Url("/second"), uid = "second", description = "Second", metadata = new { a = "b" } })
            .ExpectAsync(HttpStatusCode.Created);
        Assert.StartsWith("ep_", created.Str("id"), StringComparison.Ordinal);
        Assert.Equal(created.Str("id"), (await _admin.GetAtAsync($"{root}/second").ExpectAsync(HttpStatusCode.OK)).Str("id"));
        Assert.Equal(2, (await _admin.GetAtAsync(root).ExpectAsync(HttpStatusCode.OK)).GetProperty("data").GetArrayLength());

        var upserted = await _admin.PutJsonAsync($"{root}/second", new { url = fixture.Receiver.Url("/second"), description = "Upserted" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Upserted", upserted.Str("description"));
        Assert.Equal("second", upserted.Str("uid"));

        var before = (await _admin.GetAtAsync($"{root}/second/secret").ExpectAsync(HttpStatusCode.OK)).Str("key");
        await _admin.PostJsonAsync($"{root}/second/secret/rotate", new { }).ExpectAsync(HttpStatusCode.NoContent);
        Assert.NotEqual(before, (await _admin.GetAtAsync($"{root}/second/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));

        await _admin.PutJsonAsync($"{root}/second/headers", new { headers = new { X_Team = "payments" } }).ExpectAsync(HttpStatusCode.NoContent);
        Assert.Equal("payments", (await _admin.GetAtAsync($"{root}/second/headers").ExpectAsync(HttpStatusCode.OK)).GetProperty("headers").Str("X_Team"));

        await _admin.PostJsonAsync(root, new { url = "http://169.254.169.254/latest" }).ExpectValidationAsync("body", "url");
        await _admin.DeleteAtAsync($"{root}/second").ExpectAsync(HttpStatusCode.NoContent);
        await _admin.GetAtAsync($"{root}/second").ExpectErrorAsync(HttpStatusCode.NotFound);
        await _admin.GetAtAsync("/ingest/api/v1/source/no-such-source/endpoint").ExpectErrorAsync(HttpStatusCode.NotFound);
    }
}
