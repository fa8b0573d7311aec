using System.Net;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.EventTypes;

public sealed class EventTypeApiTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly HttpClient _client = fixture.Host.CreateAdminClient();

    [Fact]
    public async Task Crud_CreateGetPatchPut_RoundTripsSchemas()
    {
        var name = HostFixture.Unique("user.signup");
        var created = await _client.PostJsonAsync("/api/v1/event-type", new
        {
            name,
            description = "A user signed up",
            schemas = new Dictionary<string, object> { ["1"] = new { type = "object", properties = new { email = new { type = "string" } } } },
            featureFlag = "beta",
        }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(name, created.Str("name"));
        Assert.Equal("object", created.GetProperty("schemas").GetProperty("1").Str("type"));
        Assert.False(created.GetProperty("archived").GetBoolean());
        Assert.False(created.GetProperty("deprecated").GetBoolean());

        var patched = await _client.PatchJsonAsync($"/api/v1/event-type/{name}", new { deprecated = true }).ExpectAsync(HttpStatusCode.OK);
        Assert.True(patched.GetProperty("deprecated").GetBoolean());
        Assert.Equal("A user signed up", patched.Str("description"));
        Assert.Equal("beta", patched.Str("featureFlag"));

        var put = await _client.PutJsonAsync($"/api/v1/event-type/{name}", new { description = "Replaced" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Replaced", put.Str("description"));
        Assert.Equal(JsonValueKind.Null, put.GetProperty("schemas").ValueKind);

        var upserted = await _client.PutJsonAsync($"/api/v1/event-type/{name}.new", new { description = "New" }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"{name}.new", upserted.Str("name"));
        await _client.PostJsonAsync("/api/v1/event-type", new { name, description = "again" }).ExpectErrorAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Delete_ArchivesByDefaultAndExpungeRemoves()
    {
        var name = HostFixture.Unique("order.created");
        await _client.PostJsonAsync("/api/v1/event-type", new { name, description = "d" }).ExpectAsync(HttpStatusCode.Created);

        await _client.DeleteAtAsync($"/api/v1/event-type/{name}").ExpectAsync(HttpStatusCode.NoContent);

        Assert.True((await _client.GetAtAsync($"/api/v1/event-type/{name}").ExpectAsync(HttpStatusCode.OK)).GetProperty("archived").GetBoolean());
        var listed = await ListAllAsync("");
        Assert.DoesNotContain(name, listed);
        Assert.Contains(name, await ListAllAsync("&include_archived=true"));

        // Creating an archived type again brings it back.
        await _client.PostJsonAsync("/api/v1/event-type", new { name, description = "back" }).ExpectAsync(HttpStatusCode.Created);
        Assert.False((await _client.GetAtAsync($"/api/v1/event-type/{name}").ExpectAsync(HttpStatusCode.OK)).GetProperty("archived").GetBoolean());

        await _client.DeleteAtAsync($"/api/v1/event-type/{name}?expunge=true").ExpectAsync(HttpStatusCode.NoContent);
        await _client.GetAtAsync($"/api/v1/event-type/{name}").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task List_WithoutContent_OmitsSchemas()
    {
        var name = HostFixture.Unique("list.item");
        await _client.PostJsonAsync("/api/v1/event-type", new { name, description = "d", schemas = new Dictionary<string, object> { ["1"] = new { } } })
            .ExpectAsync(HttpStatusCode.Created);

        var page = await _client.GetAtAsync("/api/v1/event-type?limit=250").ExpectAsync(HttpStatusCode.OK);
        var withContent = await _client.GetAtAsync("/api/v1/event-type?limit=250&with_content=true").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, page.GetProperty("data").EnumerateArray().Single(e => e.Str("name") == name).GetProperty("schemas").ValueKind);
        Assert.Equal(JsonValueKind.Object, withContent.GetProperty("data").EnumerateArray().Single(e => e.Str("name") == name).GetProperty("schemas").ValueKind);
    }

    [Theory]
    [InlineData("{\"description\":\"d\"}", "body/name")]
    [InlineData("{\"name\":\"has space\",\"description\":\"d\"}", "body/name")]
    [InlineData("{\"name\":\"ok\"}", "body/description")]
    [InlineData("{\"name\":\"ok\",\"description\":\"d\",\"schemas\":{\"1\":5}}", "body/schemas/1")]
    [InlineData("{\"name\":\"ok\",\"description\":\"d\",\"schemas\":[]}", "body/schemas")]
    public async Task Create_InvalidBody_Answers422(string body, string loc)
    {
        await _client.PostJsonAsync("/api/v1/event-type", body).ExpectValidationAsync(loc.Split('/'));
    }

    private async Task<List<string>> ListAllAsync(string query)
    {
        var names = new List<string>();
        string? iterator = null;
        do
        {
            var page = await _client.GetAtAsync($"/api/v1/event-type?limit=100{query}{(iterator is null ? "" : "&iterator=" + iterator)}").ExpectAsync(HttpStatusCode.OK);
            names.AddRange(page.GetProperty("data").EnumerateArray().Select(e => e.Str("name")));
            iterator = page.GetProperty("done").GetBoolean() ? null : page.Str("iterator");
        }
        while (iterator is not null);
        return names;
    }
}
