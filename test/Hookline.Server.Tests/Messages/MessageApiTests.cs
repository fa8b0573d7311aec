using System.Net;
using System.Text;
using System.Text.Json;
using Hookline.Core.Storage;
using Hookline.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Tests.Messages;

public sealed class MessageApiTests(HostFixture fixture) : IClassFixture<HostFixture>
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
    public async Task Create_ValidMessage_Answers202AndStoresThePayloadBytesExactlyAsSent()
    {
        var app = await NewAppAsync();
        const string payload = "{ \"b\" : [1, 2.50, \"\u00e9\\u00e9\"],\n  \"a\":{}, \"n\": 1e3 }";
        var body = "{\"eventType\":\"user.signup\",\"payload\":" + payload + ",\"eventId\":\"evt-1\",\"channels\":[\"eu\"]}";

        var created = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", body).ExpectAsync(HttpStatusCode.Accepted);

        Assert.StartsWith("msg_", created.Str("id"), StringComparison.Ordinal);
        Assert.Equal("evt-1", created.Str("eventId"));
        Assert.Equal("user.signup", created.Str("eventType"));
        Assert.Equal(["eu"], created.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        var store = _host.Services.GetRequiredService<IHooklineStore>();
        var appId = (await store.GetApplicationAsync(app, CancellationToken.None))!.Id;
        var stored = await store.GetMessageAsync(appId, created.Str("id"), CancellationToken.None);
        Assert.Equal(payload, Encoding.UTF8.GetString(stored!.Payload!));

        using var response = await _client.GetAsync(new Uri($"/api/v1/app/{app}/msg/evt-1", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"payload\":" + payload, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_SameEventIdTwice_Answers409()
    {
        var app = await NewAppAsync();
        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { }, eventId = "dup" }).ExpectAsync(HttpStatusCode.Accepted);

        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { x = 1 }, eventId = "dup" }).ExpectErrorAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Create_UnknownApplication_Answers404_UnlessApplicationGiven()
    {
        var uid = HostFixture.Unique("new");
        await _client.PostJsonAsync($"/api/v1/app/{uid}/msg", new { eventType = "a", payload = new { } }).ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
        await _client.PostJsonAsync($"/api/v1/app/{uid}/msg", new { eventType = "a", payload = new { }, application = new { name = "On the fly", uid = "other" } })
            .ExpectValidationAsync("body", "application", "uid");

        await _client.PostJsonAsync($"/api/v1/app/{uid}/msg", new { eventType = "a", payload = new { }, application = new { name = "On the fly", uid } })
            .ExpectAsync(HttpStatusCode.Accepted);

        var app = await _client.GetAtAsync($"/api/v1/app/{uid}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("On the fly", app.Str("name"));
    }

    [Theory]
    [InlineData("{\"payload\":{}}", "body/eventType")]
    [InlineData("{\"eventType\":\"a\"}", "body/payload")]
    [InlineData("{\"eventType\":\"a\",\"payload\":[1]}", "body/payload")]
    [InlineData("{\"eventType\":\"a\",\"payload\":\"text\"}", "body/payload")]
    [InlineData("{\"eventType\":\"a\",\"payload\":null}", "body/payload")]
    [InlineData("{\"eventType\":\"not valid\",\"payload\":{}}", "body/eventType")]
    [InlineData("{\"eventType\":\"a\",\"payload\":{},\"eventId\":\"msg_prefix\"}", "body/eventId")]
    [InlineData("{\"eventType\":\"a\",\"payload\":{},\"channels\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"]}", "body/channels")]
    [InlineData("{\"eventType\":\"a\",\"payload\":{},\"payloadRetentionPeriod\":4}", "body/payloadRetentionPeriod")]
    [InlineData("{\"eventType\":\"a\",\"payload\":{},\"payloadRetentionPeriod\":99999999999999999999}", "body/payloadRetentionPeriod")]
    [InlineData("{\"eventType\":[],\"payload\":{}}", "body/eventType")]
    [InlineData("{\"eventType\":\"a\",\"payload\":{},\"payloadRetentionHours\":0}", "body/payloadRetentionHours")]
    [InlineData("{\"eventType\":\"a\",\"payload\":{},\"payloadRetentionHours\":5,\"payloadRetentionPeriod\":5}", "body/payloadRetentionHours")]
    [InlineData("{\"eventType\":\"a\",\"payload\":{},\"deliverAt\":\"2030-01-01T00:00:00Z\"}", "body/deliverAt")]
    public async Task Create_InvalidBody_Answers422WithLoc(string body, string loc)
    {
        var app = await NewAppAsync();

        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", body).ExpectValidationAsync(loc.Split('/'));
    }

    [Fact]
    public async Task List_Filters_ByEventTypeChannelAndContent()
    {
        var app = await NewAppAsync();
        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a.one", payload = new { n = 1 }, channels = new[] { "x" } }).ExpectAsync(HttpStatusCode.Accepted);
        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "b.two", payload = new { n = 2 } }).ExpectAsync(HttpStatusCode.Accepted);
        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "c.three", payload = new { n = 3 }, channels = new[] { "x", "y" } }).ExpectAsync(HttpStatusCode.Accepted);

        var all = await _client.GetAtAsync($"/api/v1/app/{app}/msg").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["c.three", "b.two", "a.one"], all.GetProperty("data").EnumerateArray().Select(m => m.Str("eventType")));

        var byType = await _client.GetAtAsync($"/api/v1/app/{app}/msg?event_types=a.one&event_types=b.two").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["b.two", "a.one"], byType.GetProperty("data").EnumerateArray().Select(m => m.Str("eventType")));
        var commaJoined = await _client.GetAtAsync($"/api/v1/app/{app}/msg?event_types=a.one,c.three").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, commaJoined.GetProperty("data").GetArrayLength());

        var byChannel = await _client.GetAtAsync($"/api/v1/app/{app}/msg?channel=x").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["c.three", "a.one"], byChannel.GetProperty("data").EnumerateArray().Select(m => m.Str("eventType")));

        var noContent = await _client.GetAtAsync($"/api/v1/app/{app}/msg?with_content=false").ExpectAsync(HttpStatusCode.OK);
        Assert.All(noContent.GetProperty("data").EnumerateArray(), m => Assert.Equal("{}", m.GetProperty("payload").GetRawText()));

        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"));
        var after = await _client.GetAtAsync($"/api/v1/app/{app}/msg?after={future}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, after.GetProperty("data").GetArrayLength());

        await _client.GetAtAsync($"/api/v1/app/{app}/msg?channel=bad%20channel").ExpectValidationAsync("query", "channel");
    }

    [Fact]
    public async Task ExpungeContent_ThenGet_ShowsExpiredPayload()
    {
        var app = await NewAppAsync();
        var msg = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { secret = "x" } }).ExpectAsync(HttpStatusCode.Accepted);

        await _client.DeleteAtAsync($"/api/v1/app/{app}/msg/{msg.Str("id")}/content").ExpectAsync(HttpStatusCode.NoContent);

        var read = await _client.GetAtAsync($"/api/v1/app/{app}/msg/{msg.Str("id")}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(read.GetProperty("payload").GetProperty("expired").GetBoolean());
    }

    [Fact]
    public async Task Get_UnknownMessage_Answers404()
    {
        var app = await NewAppAsync();

        await _client.GetAtAsync($"/api/v1/app/{app}/msg/nope").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Create_ReturnsMessageMatchingGet()
    {
        var app = await NewAppAsync();
        var created = await _client.PostJsonAsync($"/api/v1/app/{app}/msg?with_content=false", new { eventType = "a", payload = new { k = "v" } }).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal("{}", created.GetProperty("payload").GetRawText());

        var read = await _client.GetAtAsync($"/api/v1/app/{app}/msg/{created.Str("id")}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(created.Str("timestamp"), read.Str("timestamp"));
        Assert.Equal("v", read.GetProperty("payload").Str("k"));
        Assert.Equal(JsonValueKind.Null, read.GetProperty("eventId").ValueKind);
    }

    [Fact]
    public async Task Create_WithRetentionHours_SetsPayloadExpiry()
    {
        var app = await NewAppAsync();

        var msg = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { }, payloadRetentionHours = 6 }).ExpectAsync(HttpStatusCode.Accepted);

        var store = _host.Services.GetRequiredService<IHooklineStore>();
        var appId = (await store.GetApplicationAsync(app, CancellationToken.None))!.Id;
        var stored = await store.GetMessageAsync(appId, msg.Str("id"), CancellationToken.None);
        Assert.InRange(stored!.PayloadExpiresAt!.Value, DateTimeOffset.UtcNow.AddHours(5.9), DateTimeOffset.UtcNow.AddHours(6.1));
    }

    [Fact]
    public async Task Precheck_SaysWhetherAnyEnabledEndpointListens()
    {
        var app = await NewAppAsync();
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = "http://127.0.0.1:9/", eventTypes = new[] { "a" }, channels = new[] { "eu" } }).ExpectAsync(HttpStatusCode.Created);
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = "http://127.0.0.1:9/", eventTypes = new[] { "b" }, disabled = true }).ExpectAsync(HttpStatusCode.Created);

        Assert.True((await _client.PostJsonAsync($"/api/v1/app/{app}/msg/precheck/active", new { eventType = "a", channels = new[] { "eu" } }).ExpectAsync(HttpStatusCode.OK)).GetProperty("active").GetBoolean());
        Assert.False((await _client.PostJsonAsync($"/api/v1/app/{app}/msg/precheck/active", new { eventType = "a" }).ExpectAsync(HttpStatusCode.OK)).GetProperty("active").GetBoolean());
        Assert.False((await _client.PostJsonAsync($"/api/v1/app/{app}/msg/precheck/active", new { eventType = "b" }).ExpectAsync(HttpStatusCode.OK)).GetProperty("active").GetBoolean());
    }
}
