using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hookline.Server.Tests.Auth;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Server.Tests.Ingest;
using Xunit.Abstractions;

namespace Hookline.Server.Tests.Api;

/// <summary>
/// Every route of the OpenAPI document the server serves (enumerated as <see cref="RouteAccessTests"/>
/// does, so a new route is fuzzed without anyone listing it), with the admin token, called with
/// malformed and mutated path parameters, query strings, headers and bodies — bodies built from the
/// route's own request schema with each field set to hostile values, plus random bytes, broken JSON and
/// deep nesting. No answer may be a 5xx (a 503 only with Retry-After), and the server must still
/// answer and accept valid work afterwards. Seeded, so a failure reproduces.
/// </summary>
public sealed class RouteFuzzTests(IngestFixture fixture, ITestOutputHelper output) : IClassFixture<IngestFixture>
{
    private const int Seed = 20_261_205;

    private static readonly string[] PathValues =
    [
        "x", "%00", "%2e%2e", "..", "%2F", "%25", "%ZZ", " ", "%20", "ep_0000000000000000000000", "msg_", new string('a', 300), "%E2%98%83",
        "%F0%9F%92%A5", "%ED%A0%80", "-1", "9999999999999999999999", "null", "'%20OR%201=1--", "%3Cscript%3E", "a.b", "~",
    ];

    private static readonly string[] QueryValues =
    [
        "", "-1", "0", "abc", "999999999999", "1.5", "%00", "%ZZ", "null", "true", "2024-13-45T99:99:99Z", "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", new string('z', 500), "%E2%98%83", "a,b,,c", "[]", "msg_0000000000000000000000", "%FF%FE",
    ];

    private static readonly string[] OddJson =
    [
        "null", "true", "0", "-1", "1e400", "99999999999999999999999999", "\"\"", "\"x\"", "\"" + new string('a', 5000) + "\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"💥\"", "[]", "[null,1,\"a\"]", "{}", "{\"a\":{\"b\":[]}}", "\"http://[::1\"", "\"1970-01-01T00:00:00Z\"",
        "\"whsec_AAAA\"", "-0.0",
    ];

    private static readonly (string Name, string Value)[] HeaderVariants =
    [
        ("idempotency-key", new string('k', 257)),
        ("idempotency-key", "%E2%98%83 \t"),
        ("idempotency-key", " "),
        ("Accept", "application/xml"),
        ("Accept-Encoding", "br;q=abc, *;q=-1"),
        ("If-Match", "\"x\""),
        ("X-Forwarded-For", "not-an-ip, , 999.1.1.1"),
        ("X-Forwarded-Proto", "gopher"),
        ("traceparent", "00-zz-zz-zz"),
        ("webhook-signature", "v1,%%%"),
        ("Range", "bytes=9-1"),
    ];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/json; charset=latin1", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=utf-16", "*/*", "application/merge-patch+json",
    ];

    [Fact]
    public async Task EveryRoute_MalformedPathsQueriesHeadersAndBodies_NeverAnswer5xx()
    {
        var admin = fixture.Admin;
        var document = await admin.GetAtAsync("/openapi/v1.json").ExpectAsync(HttpStatusCode.OK);
        var routes = await RouteAccessTests.RoutesAsync(admin);
        var objects = await RouteAccessTests.CreateObjectsAsync(fixture);
        using var client = fixture.Host.CreateAdminClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        var random = new Random(Seed);
        var failures = new List<string>();
        var sent = 0;
        var started = DateTime.UtcNow;

        // Deletions last (deepest first) and logging out last of all, so the valid objects most calls
        // use are still there; a deleted one only turns later answers into 404s.
        foreach (var route in routes.OrderBy(r => r == "POST /api/v1/auth/logout" ? 2 : r.StartsWith("DELETE ", StringComparison.Ordinal) ? 1 : 0).ThenByDescending(r => r.Count(c => c == '/')))
        {
            var space = route.IndexOf(' ', StringComparison.Ordinal);
            var (method, template) = (route[..space], route[(space + 1)..]);
            var operation = document.GetProperty("paths").GetProperty(template).GetProperty(method.ToLowerInvariant());
            var hasBody = method is "POST" or "PUT" or "PATCH";
            foreach (var call in Calls(document, operation, template, hasBody, objects, random))
            {
                sent++;
                var failure = await SendAsync(client, method, call);
                if (failure is not null)
                {
                    failures.Add($"{route}: {failure}");
                }
            }
        }

        output.WriteLine($"{sent} requests over {routes.Count} routes in {(DateTime.UtcNow - started).TotalSeconds:F0} s; {failures.Count} answered 5xx");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests answered 5xx:\n" + string.Join('\n', failures.Take(30)));

        // Still up, and still doing real work.
        await admin.GetAtAsync("/api/v1/health").ExpectAsync(HttpStatusCode.NoContent);
        await admin.PostJsonAsync("/api/v1/app", new { name = "After fuzz", uid = HostFixture.Unique("after-fuzz") }).ExpectAsync(HttpStatusCode.Created);
    }

    private sealed record Call(string Path, byte[]? Body, string ContentType = "application/json", (string Name, string Value)? Header = null);

    private static IEnumerable<Call> Calls(JsonElement document, JsonElement operation, string template, bool hasBody, RouteAccessTests.Objects objects, Random random)
    {
        var validPath = objects.Fill(template);
        var validBody = hasBody ? "{}"u8.ToArray() : null;

        // Path parameters: each one replaced by each hostile segment, the others valid.
        foreach (var parameter in PathParameters(template))
        {
            foreach (var value in PathValues)
            {
                yield return new Call(objects.Fill(template.Replace("{" + parameter + "}", value, StringComparison.Ordinal)), validBody);
            }
        }

        // Query strings: each declared parameter with each hostile value, then undeclared and broken ones.
        foreach (var parameter in Parameters(operation, "query"))
        {
            foreach (var value in QueryValues)
            {
                yield return new Call($"{validPath}?{parameter}={value}", validBody);
            }
            yield return new Call($"{validPath}?{parameter}=1&{parameter}=2", validBody);
        }
        foreach (var query in new[] { "?%ZZ=1", "?&&&==", "?limit", "?iterator=" + new string('~', 2000), "?a[b]=c&a[]=d" })
        {
            yield return new Call(validPath + query, validBody);
        }

        // Headers: odd values of headers the server reads, and odd content types.
        foreach (var header in HeaderVariants)
        {
            yield return new Call(validPath, validBody, Header: header);
        }
        if (!hasBody)
        {
            yield break;
        }
        foreach (var contentType in ContentTypes)
        {
            yield return new Call(validPath, "{\"a\":1}"u8.ToArray(), contentType);
        }

        // Bodies: every field of the route's request schema set to each hostile value, and broken JSON.
        var fields = BodyFields(document, operation);
        foreach (var field in fields)
        {
            foreach (var odd in OddJson)
            {
                yield return new Call(validPath, Encoding.UTF8.GetBytes($"{{\"{field}\":{odd}}}"));
            }
        }
        if (fields.Count > 0)
        {
            // All fields at once with random hostile values, then mutated character by character.
            for (var i = 0; i < 10; i++)
            {
                var json = "{" + string.Join(',', fields.Select(f => $"\"{f}\":{OddJson[random.Next(OddJson.Length)]}")) + "}";
                yield return new Call(validPath, Encoding.UTF8.GetBytes(json));
                yield return new Call(validPath, Encoding.UTF8.GetBytes(Mutate(json, random)));
            }
        }
        for (var i = 0; i < 5; i++)
        {
            var bytes = new byte[random.Next(1, 300)];
            random.NextBytes(bytes);
            yield return new Call(validPath, bytes);
            const string punctuation = "{}[]\":,0123456789.eE-+ tfnaul\\";
            yield return new Call(validPath, Encoding.ASCII.GetBytes(new string(Enumerable.Range(0, random.Next(1, 80)).Select(_ => punctuation[random.Next(punctuation.Length)]).ToArray())));
        }
        foreach (var odd in OddJson.Take(8))
        {
            yield return new Call(validPath, Encoding.UTF8.GetBytes(odd));
        }
        foreach (var depth in new[] { 64, 65, 5000 })
        {
            yield return new Call(validPath, Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth)));
            yield return new Call(validPath, Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)));
        }
        yield return new Call(validPath, []);
        yield return new Call(validPath, [0xEF, 0xBB, 0xBF, .. "{}"u8]);
        yield return new Call(validPath, [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8]);
    }

    private static async Task<string?> SendAsync(HttpClient client, string method, Call call)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(call.Path, UriKind.Relative));
        if (call.Body is not null)
        {
            request.Content = new ByteArrayContent(call.Body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(call.ContentType);
        }
        if (call.Header is var (name, value))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var status = (int)response.StatusCode;
            if (status < 500 || (status == 503 && response.Headers.RetryAfter is not null))
            {
                return null;
            }
            var text = await response.Content.ReadAsStringAsync();
            return $"{status} for {Describe(call)}: {(text.Length > 200 ? text[..200] : text)}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"no answer for {Describe(call)}: {ex.Message}";
        }
    }

    private static string Describe(Call call)
    {
        var path = call.Path.Length > 120 ? call.Path[..120] + "…" : call.Path;
        var body = call.Body is null ? "" : Encoding.UTF8.GetString(call.Body);
        body = body.Length > 120 ? body[..120] + $"… ({call.Body!.Length} bytes)" : body;
        return $"{path} [{call.ContentType}{(call.Header is { } h ? $"; {h.Name}: {(h.Value.Length > 20 ? h.Value[..20] + "…" : h.Value)}" : "")}] {body}";
    }

    private static IEnumerable<string> PathParameters(string template)
    {
        for (var start = template.IndexOf('{', StringComparison.Ordinal); start >= 0; start = template.IndexOf('{', start + 1))
        {
            yield return template[(start + 1)..template.IndexOf('}', start)];
        }
    }

    private static IEnumerable<string> Parameters(JsonElement operation, string location) =>
        operation.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.TryGetProperty("in", out var at) && at.GetString() == location).Select(p => p.GetProperty("name").GetString()!)
            : [];

    /// <summary>The top-level property names of the route's JSON request body schema (following <c>$ref</c>).</summary>
    private static List<string> BodyFields(JsonElement document, JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out var body) || !body.TryGetProperty("content", out var content))
        {
            return [];
        }
        foreach (var media in content.EnumerateObject())
        {
            if (media.Value.TryGetProperty("schema", out var schema) && Resolve(document, schema).TryGetProperty("properties", out var properties))
            {
                return [.. properties.EnumerateObject().Select(p => p.Name)];
            }
        }
        return [];
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (!schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }
        var node = document;
        foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/'))
        {
            node = node.GetProperty(part);
        }
        return node;
    }

    private static string Mutate(string json, Random random)
    {
        var chars = json.ToList();
        for (var m = random.Next(1, 4); m > 0 && chars.Count > 0; m--)
        {
            var at = random.Next(chars.Count);
            switch (random.Next(3))
            {
                case 0: chars[at] = (char)random.Next(32, 127); break;
                case 1: chars.Insert(at, "\"{}[],:\\0-"[random.Next(10)]); break;
                default: chars.RemoveAt(at); break;
            }
        }
        return new string([.. chars]);
    }
}
