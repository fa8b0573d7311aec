using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Api;

public sealed class ErrorTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly HooklineHost _host = fixture.Host;
    private readonly HttpClient _client = fixture.Host.CreateAdminClient();

    [Fact]
    public async Task UnknownRoute_Answers404InSvixShape()
    {
        await _client.GetAtAsync("/api/v1/nothing-here").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
        await _client.GetAtAsync("/nothing").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("/api/v1/app?iterator=garbage")]
    [InlineData("/api/v1/app?iterator=-garbage")]
    [InlineData("/api/v1/app?iterator=msg_0357UvSUt2oRrVqlUEdopK")]
    [InlineData("/api/v1/app/{app}/endpoint?iterator=garbage")]
    [InlineData("/api/v1/app/{app}/msg?iterator=garbage")]
    [InlineData("/api/v1/app/{app}/attempt/endpoint/{endpoint}?iterator=garbage")]
    [InlineData("/ingest/api/v1/source?iterator=garbage")]
    public async Task List_IteratorThisApiCannotHaveReturned_Answers422(string route)
    {
        // Without the check, a foreign key silently gave the first page of a newest-first list and
        // an empty last page of an oldest-first one.
        var app = HostFixture.Unique("app");
        await _client.PostJsonAsync("/api/v1/app", new { name = "App", uid = app }).ExpectAsync(HttpStatusCode.Created);
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = "http://127.0.0.1:9/hook", uid = "e" }).ExpectAsync(HttpStatusCode.Created);

        await _client.GetAtAsync(route.Replace("{app}", app, StringComparison.Ordinal).Replace("{endpoint}", "e", StringComparison.Ordinal))
            .ExpectValidationAsync("query", "iterator");
    }

    [Fact]
    public async Task List_KeyedByName_TakesAnyNameAsIterator()
    {
        // Event types are listed by name, so any well-formed name continues the list.
        await _client.GetAtAsync("/api/v1/event-type?iterator=garbage").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WrongMethod_Answers405()
    {
        await _client.SendJsonAsync(HttpMethod.Put, "/api/v1/app", "{}").ExpectErrorAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Theory]
    [InlineData("{\"name\":")]
    [InlineData("{name: 'x'}")]
    [InlineData("not json")]
    [InlineData("{\"name\":\"a\"} trailing")]
    [InlineData("")]
    public async Task MalformedJson_Answers400(string body)
    {
        await _client.PostJsonAsync("/api/v1/app", body).ExpectErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task InvalidUtf8_Answers400()
    {
        using var content = new ByteArrayContent([(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _client.PostAsync(new Uri("/api/v1/app", UriKind.Relative), content);

        await response.ExpectAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task BodyOverLimit_Answers413()
    {
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?> { ["Hookline:Limits:MaxPayloadBytes"] = "2048" });
        using var client = host.CreateAdminClient();
        await client.PostJsonAsync("/api/v1/app", new { name = "A", uid = "a" }).ExpectAsync(HttpStatusCode.Created);
        var big = "{\"eventType\":\"a\",\"payload\":{\"x\":\"" + new string('x', 4096) + "\"}}";

        var error = await client.PostJsonAsync("/api/v1/app/a/msg", big).ExpectErrorAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Contains("2048", error.Str("detail"), StringComparison.Ordinal);

        // Without a Content-Length (chunked), the limit holds too.
        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/app/a/msg", UriKind.Relative)) { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        await response.ExpectAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task BadPathId_Answers422WithPathLoc()
    {
        await _client.GetAtAsync("/api/v1/app/bad%20id").ExpectValidationAsync("path", "app_id");
    }

    [Fact]
    public async Task BadQueryValue_Answers4xx()
    {
        using var response = await _client.GetAsync(new Uri("/api/v1/app?limit=abc", UriKind.Relative));
        Assert.InRange((int)response.StatusCode, 400, 499);
        await _client.GetAtAsync("/api/v1/app?order=sideways").ExpectValidationAsync("query", "order");
    }

    [Fact]
    public async Task FormContentType_IsStillReadAsJson()
    {
        using var content = new StringContent("{\"name\":\"curl\"}", Encoding.UTF8, "application/x-www-form-urlencoded");

        using var response = await _client.PostAsync(new Uri("/api/v1/app", UriKind.Relative), content);

        await response.ExpectAsync(HttpStatusCode.Created);
        _ = _host;
    }
}
