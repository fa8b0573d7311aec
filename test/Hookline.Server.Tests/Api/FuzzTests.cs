using System.Net.Http.Headers;
using System.Text;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Api;

/// <summary>
/// Throws random and malformed bodies at the create routes. Whatever arrives, the answer is a 2xx
/// (valid) or a 4xx (the caller's mistake) — never a 5xx. Seeded, so a failure reproduces.
/// </summary>
public sealed class FuzzTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const int Seed = 20_240_601;
    private readonly HttpClient _client = fixture.Host.CreateAdminClient();

    private static readonly string ValidMessage =
        "{\"eventType\":\"user.signup\",\"eventId\":\"evt-1\",\"channels\":[\"eu\"],\"payloadRetentionPeriod\":30,\"payload\":{\"email\":\"a@example.com\",\"n\":[1,2,{\"x\":null}]}}";

    private static readonly string ValidEndpoint =
        "{\"url\":\"http://127.0.0.1:9/hook\",\"description\":\"d\",\"uid\":\"ep-1\",\"filterTypes\":[\"a\"],\"channels\":[\"c\"],\"rateLimit\":5,\"disabled\":false," +
        "\"metadata\":{\"k\":\"v\"},\"secret\":\"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\",\"headers\":{\"X-A\":\"b\"},\"ordered\":true,\"maxConcurrency\":2}";

    private static readonly string[] OddValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e400", "-1e400", "99999999999999999999999999", "\"\"", "\"x\"",
        "\"" + new string('a', 300) + "\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"💥🚀\"", "\"\u202eevil\"", "\"with space\"",
        "[]", "[null]", "[1,2,3]", "[\"a\",\"a\"]", "{}", "{\"a\":null}", "{\"a\":{\"b\":{\"c\":[]}}}", "\"http://[::1\"", "\"javascript:alert(1)\"",
        "\"whsk_AAAA\"", "\"whsec_" + new string('A', 200) + "\"", "\"1970-01-01T00:00:00Z\"", "\"ep_0000000000000000000000\"",
    ];

    public static TheoryData<string> Routes => new() { "msg", "endpoint" };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Create_RandomAndMalformedBodies_NeverAnswer5xx(string route)
    {
        var app = HostFixture.Unique("fuzz");
        await _client.PostJsonAsync("/api/v1/app", new { name = "Fuzz", uid = app }).ExpectAsync(System.Net.HttpStatusCode.Created);
        var valid = route == "msg" ? ValidMessage : ValidEndpoint;
        var path = $"/api/v1/app/{app}/{route}";
        var random = new Random(Seed);
        var failures = new List<string>();

        foreach (var body in Bodies(valid, random))
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _client.PostAsync(new Uri(path, UriKind.Relative), content);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{(int)response.StatusCode} for {Describe(body)}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    private static IEnumerable<byte[]> Bodies(string valid, Random random)
    {
        var utf8 = Encoding.UTF8.GetBytes(valid);
        yield return utf8;

        // Every truncation of a valid body.
        for (var i = 0; i < utf8.Length; i++)
        {
            yield return utf8[..i];
        }

        // Random bytes, random ASCII and random JSON-ish punctuation.
        for (var i = 0; i < 100; i++)
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            yield return bytes;
            const string punctuation = "{}[]\":,0123456789.eE-+ tfnaul\\";
            yield return Encoding.ASCII.GetBytes(new string(Enumerable.Range(0, random.Next(1, 80)).Select(_ => punctuation[random.Next(punctuation.Length)]).ToArray()));
        }

        // Each top-level field replaced with each odd value, removed, or duplicated.
        var fields = System.Text.Json.JsonDocument.Parse(valid).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var field in fields)
        {
            foreach (var odd in OddValues)
            {
                yield return Encoding.UTF8.GetBytes(Replace(valid, field, odd));
            }
            yield return Encoding.UTF8.GetBytes(Remove(valid, field));
            yield return Encoding.UTF8.GetBytes(valid.Insert(1, $"\"{field}\":null,"));
        }

        // Random mutations of the valid body: flip, insert or delete characters.
        for (var i = 0; i < 200; i++)
        {
            var chars = valid.ToCharArray().ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0: chars[at] = (char)random.Next(32, 127); break;
                    case 1: chars.Insert(at, "\"{}[],:\\0-"[random.Next(10)]); break;
                    default: chars.RemoveAt(at); break;
                }
            }
            yield return Encoding.UTF8.GetBytes(new string(chars.ToArray()));
        }

        // Deep nesting, at the top and inside the payload.
        foreach (var depth in new[] { 10, 63, 64, 65, 200, 5000, 100_000 })
        {
            yield return Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth));
            yield return Encoding.ASCII.GetBytes("{\"eventType\":\"a\",\"url\":\"http://127.0.0.1:9/\",\"payload\":" + Nest(depth) + "}");
            yield return Encoding.ASCII.GetBytes("{\"eventType\":\"a\",\"url\":\"http://127.0.0.1:9/\",\"metadata\":" + Nest(depth) + "}");
        }

        // Top-level values that are not objects; odd whitespace and a byte-order mark.
        foreach (var odd in OddValues)
        {
            yield return Encoding.UTF8.GetBytes(odd);
        }
        yield return Encoding.UTF8.GetBytes(" \n\t ");
        yield return [0xEF, 0xBB, 0xBF, .. utf8];
        yield return [.. utf8, 0];
    }

    private static string Nest(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private static string Replace(string json, string field, string value)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        var marker = "\"__FUZZ__\"";
        node[field] = "__FUZZ__";
        return node.ToJsonString().Replace(marker, value, StringComparison.Ordinal);
    }

    private static string Remove(string json, string field)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove(field);
        return node.ToJsonString();
    }

    private static string Describe(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        return text.Length > 200 ? text[..200] + $"… ({body.Length} bytes)" : text;
    }
}
