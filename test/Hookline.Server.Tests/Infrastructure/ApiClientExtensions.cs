using System.Net;
using System.Text;
using System.Text.Json;

namespace Hookline.Server.Tests.Infrastructure;

/// <summary>Small helpers for talking JSON to the API and asserting on answers with the body in the failure message.</summary>
public static class ApiClientExtensions
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object? body, string? idempotencyKey = null) =>
        client.SendJsonAsync(HttpMethod.Post, path, body, idempotencyKey);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, object? body) =>
        client.SendJsonAsync(HttpMethod.Put, path, body);

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, object? body) =>
        client.SendJsonAsync(HttpMethod.Patch, path, body);

    /// <summary>Sends <paramref name="body"/> as JSON; a string is sent as is (for raw or malformed bodies).</summary>
    public static async Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            var text = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }
        if (idempotencyKey is not null)
        {
            request.Headers.Add("idempotency-key", idempotencyKey);
        }
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetAtAsync(this HttpClient client, string path) => client.GetAsync(new Uri(path, UriKind.Relative));

    public static Task<HttpResponseMessage> DeleteAtAsync(this HttpClient client, string path) => client.DeleteAsync(new Uri(path, UriKind.Relative));

    /// <summary>Asserts the status and returns the body parsed as JSON (undefined for an empty body).</summary>
    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> ExpectAsync(this Task<HttpResponseMessage> response, HttpStatusCode status)
    {
        using var r = await response;
        return await r.ExpectAsync(status);
    }

    /// <summary>Asserts a Svix error body: <c>{code, detail}</c>.</summary>
    public static async Task<JsonElement> ExpectErrorAsync(this Task<HttpResponseMessage> response, HttpStatusCode status, string? code = null)
    {
        var body = await response.ExpectAsync(status);
        Assert.Equal(JsonValueKind.String, body.GetProperty("detail").ValueKind);
        if (code is not null)
        {
            Assert.Equal(code, body.GetProperty("code").GetString());
        }
        else
        {
            Assert.Equal(JsonValueKind.String, body.GetProperty("code").ValueKind);
        }
        return body;
    }

    /// <summary>Asserts a 422 whose <c>detail</c> has an item at <paramref name="loc"/>.</summary>
    public static async Task<JsonElement> ExpectValidationAsync(this Task<HttpResponseMessage> response, params string[] loc)
    {
        var body = await response.ExpectAsync(HttpStatusCode.UnprocessableEntity);
        var items = body.GetProperty("detail").EnumerateArray().ToList();
        Assert.NotEmpty(items);
        foreach (var item in items)
        {
            Assert.Equal(JsonValueKind.String, item.GetProperty("msg").ValueKind);
            Assert.Equal(JsonValueKind.String, item.GetProperty("type").ValueKind);
        }
        var locs = items.Select(i => string.Join('/', i.GetProperty("loc").EnumerateArray().Select(x => x.GetString()))).ToList();
        Assert.Contains(string.Join('/', loc), locs);
        return body;
    }

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var value = await probe();
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }
            await Task.Delay(50);
        }
    }
}
