using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Signatures.Tests;

/// <summary>Small builders shared by the tests.</summary>
internal static class TestRequests
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static FakeTimeProvider At(long unixSeconds) => new(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

    public static WebhookRequest Request(string body, params (string Name, string Value)[] headers) => Request(Utf8(body), null, headers);

    public static WebhookRequest Request(byte[] body, string? url, params (string Name, string Value)[] headers)
    {
        var collection = new WebhookHeaders();
        foreach (var (name, value) in headers)
        {
            collection.Add(name, value);
        }

        return new WebhookRequest(collection, body, url);
    }

    /// <summary>A request carrying exactly the headers a signer produced.</summary>
    public static WebhookRequest Signed(IWebhookSigner signer, byte[] body, string? url = null, string? deliveryId = null, params (string Name, string Value)[] extra)
    {
        var headers = new WebhookHeaders(signer.Sign(body, url, deliveryId));
        foreach (var (name, value) in extra)
        {
            headers.Add(name, value);
        }

        return new WebhookRequest(headers, body, url);
    }

    public static Dictionary<string, string?> Config(params (string Key, string? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    public static void AssertValid(VerificationResult result)
    {
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(VerificationFailure.None, result.Failure);
    }

    public static void AssertFails(VerificationResult result, VerificationFailure failure)
    {
        Assert.False(result.IsValid, "expected a failure, got " + result);
        Assert.Equal(failure, result.Failure);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
    }
}
