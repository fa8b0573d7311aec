using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Hookline.Receiver.AspNetCore.Tests.Infrastructure;

/// <summary>Posting webhooks the way providers do: exact body bytes, the provider's headers.</summary>
internal static class Webhooks
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public static async Task<HttpResponseMessage> PostAsync(this HttpClient client, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string path, byte[] body, params (string Name, string Value)[] headers) =>
        client.PostAsync(path, body, headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)));

    /// <summary>Asserts 200 and returns the answer's <c>duplicate</c> flag.</summary>
    public static async Task<bool> AssertAcceptedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("duplicate").GetBoolean();
    }

    /// <summary>Asserts 401 with the given reason code and a human detail.</summary>
    public static async Task AssertRejectedAsync(HttpResponseMessage response, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Unauthorized, $"expected 401, got {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()));
    }
}
