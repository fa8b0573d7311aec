using System.Net;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Applications;

public sealed class ApplicationApiTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly HttpClient _client = fixture.Host.CreateAdminClient();

    [Fact]
    public async Task Create_WithUid_Answers201AndIsReadableByIdAndUid()
    {
        var uid = HostFixture.Unique("app");
        var created = await _client.PostJsonAsync("/api/v1/app", new { name = "Acme", uid, metadata = new { plan = "pro" }, throttleRate = 5 })
            .ExpectAsync(HttpStatusCode.Created);

        var id = created.Str("id");
        Assert.StartsWith("app_", id, StringComparison.Ordinal);
        Assert.Equal(uid, created.Str("uid"));
        Assert.Equal("Acme", created.Str("name"));
        Assert.Equal("pro", created.GetProperty("metadata").Str("plan"));
        Assert.Equal(5, created.GetProperty("throttleRate").GetInt32());
        Assert.EndsWith("Z", created.Str("createdAt"), StringComparison.Ordinal);

        var byId = await _client.GetAtAsync($"/api/v1/app/{id}").ExpectAsync(HttpStatusCode.OK);
        var byUid = await _client.GetAtAsync($"/api/v1/app/{uid}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(id, byId.Str("id"));
        Assert.Equal(id, byUid.Str("id"));
    }

    [Fact]
    public async Task Create_UidTaken_Answers409()
    {
        var uid = HostFixture.Unique("app");
        await _client.PostJsonAsync("/api/v1/app", new { name = "One", uid }).ExpectAsync(HttpStatusCode.Created);

        await _client.PostJsonAsync("/api/v1/app", new { name = "Two", uid }).ExpectErrorAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Create_GetIfExists_ReturnsExistingWith200()
    {
        var uid = HostFixture.Unique("app");
        var first = await _client.PostJsonAsync("/api/v1/app?get_if_exists=true", new { name = "One", uid }).ExpectAsync(HttpStatusCode.Created);

        var second = await _client.PostJsonAsync("/api/v1/app?get_if_exists=true", new { name = "Two", uid }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(first.Str("id"), second.Str("id"));
        Assert.Equal("One", second.Str("name"));
    }

    [Theory]
    [InlineData("{\"uid\":\"x\"}", "body/name")]
    [InlineData("{\"name\":\"\"}", "body/name")]
    [InlineData("{\"name\":\"a\",\"uid\":\"has space\"}", "body/uid")]
    [InlineData("{\"name\":\"a\",\"uid\":\"app_looks_like_an_id\"}", "body/uid")]
    [InlineData("{\"name\":\"a\",\"throttleRate\":0}", "body/throttleRate")]
    [InlineData("{\"name\":\"a\",\"throttleRate\":\"5\"}", "body/throttleRate")]
    [InlineData("{\"name\":\"a\",\"metadata\":{\"k\":1}}", "body/metadata/k")]
    [InlineData("[]", "body")]
    public async Task Create_InvalidBody_Answers422WithLoc(string body, string loc)
    {
        await _client.PostJsonAsync("/api/v1/app", body).ExpectValidationAsync(loc.Split('/'));
    }

    [Fact]
    public async Task Put_UnknownUid_CreatesWith201ThenUpdatesWith200()
    {
        var uid = HostFixture.Unique("app");
        var created = await _client.PutJsonAsync($"/api/v1/app/{uid}", new { name = "First" }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(uid, created.Str("uid"));

        var updated = await _client.PutJsonAsync($"/api/v1/app/{uid}", new { name = "Second", uid }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(created.Str("id"), updated.Str("id"));
        Assert.Equal("Second", updated.Str("name"));
    }

    [Fact]
    public async Task Patch_OnlyGivenFields_Change()
    {
        var uid = HostFixture.Unique("app");
        await _client.PostJsonAsync("/api/v1/app", new { name = "Keep", uid, throttleRate = 3, metadata = new { a = "1" } }).ExpectAsync(HttpStatusCode.Created);

        var patched = await _client.PatchJsonAsync($"/api/v1/app/{uid}", "{\"throttleRate\":null}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Keep", patched.Str("name"));
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("throttleRate").ValueKind);
        Assert.Equal("1", patched.GetProperty("metadata").Str("a"));
    }

    [Fact]
    public async Task Delete_ThenGet_Answers404InSvixShape()
    {
        var uid = HostFixture.Unique("app");
        await _client.PostJsonAsync("/api/v1/app", new { name = "Gone", uid }).ExpectAsync(HttpStatusCode.Created);

        await _client.DeleteAtAsync($"/api/v1/app/{uid}").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAtAsync($"/api/v1/app/{uid}").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task List_WalkingIterators_SeesEveryApplicationOnceAndPrevIteratorGoesBack()
    {
        await using var host = await HooklineHost.StartAsync();
        using var client = host.CreateAdminClient();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await client.PostJsonAsync("/api/v1/app", new { name = $"App {i}" }).ExpectAsync(HttpStatusCode.Created)).Str("id"));
        }

        var seen = new List<string>();
        var pages = new List<JsonElement>();
        string? iterator = null;
        while (true)
        {
            var page = await client.GetAtAsync($"/api/v1/app?limit=3{(iterator is null ? "" : "&iterator=" + iterator)}").ExpectAsync(HttpStatusCode.OK);
            pages.Add(page);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(a => a.Str("id")));
            if (page.GetProperty("done").GetBoolean())
            {
                break;
            }
            iterator = page.Str("iterator");
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        Assert.Equal(3, pages.Count);
        var back = await client.GetAtAsync($"/api/v1/app?limit=3&iterator={pages[1].Str("prevIterator")}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(pages[0].GetProperty("data").EnumerateArray().Select(a => a.Str("id")), back.GetProperty("data").EnumerateArray().Select(a => a.Str("id")));
    }

    [Fact]
    public async Task List_LimitAbove250_IsCapped()
    {
        var page = await _client.GetAtAsync("/api/v1/app?limit=100000").ExpectAsync(HttpStatusCode.OK);

        Assert.True(page.GetProperty("data").GetArrayLength() <= 250);
    }

    [Fact]
    public async Task Get_OperationalApplication_IsHidden()
    {
        await _client.GetAtAsync("/api/v1/app/hookline-operational").ExpectErrorAsync(HttpStatusCode.NotFound);
    }
}
