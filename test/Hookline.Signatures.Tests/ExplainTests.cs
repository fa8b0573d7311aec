using System.Text;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests;

/// <summary>
/// <see cref="WebhookVerifiers.Explain"/>: for every scheme that can show it, the expected signature is
/// exactly what the provider's signer put in the header, over the signed content it reports.
/// </summary>
public sealed class ExplainTests
{
    // Linear signs a millisecond timestamp inside the body, checked against a 60 s window.
    private static byte[] Body => Utf8($$"""{"id":"evt_1","type":"x","webhookTimestamp":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""");

    public static TheoryData<string, Dictionary<string, string?>, string?> Explainable() => new()
    {
        { "svix", Config(("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")), null },
        { "stripe", Config(("secret", "whsec_abc")), null },
        { "github", Config(("secret", "s")), null },
        { "shopify", Config(("secret", "s")), null },
        { "slack", Config(("secret", "8f742231b10e8888abcd99yyyzzz85a5")), null },
        { "zoom", Config(("secret", "s")), null },
        { "paddle", Config(("secret", "s")), null },
        { "square", Config(("secret", "s")), "https://example.com/square" },
        { "twitch", Config(("secret", "s")), null },
        { "linear", Config(("secret", "s")), null },
        { "intercom", Config(("secret", "s")), null },
        { "bitbucket", Config(("secret", "s")), null },
        { "hmac", Config(("secret", "s"), ("header", "X-Sig"), ("prefix", "sha512="), ("template", "{id}.{timestamp}.{body}"), ("idHeader", "X-Id"), ("timestampHeader", "X-Ts"), ("algorithm", "sha512"), ("encoding", "base64")), null },
    };

    [Theory]
    [MemberData(nameof(Explainable))]
    public void Explain_SignedRequest_ExpectedSignatureIsTheSignersOne(string type, Dictionary<string, string?> config, string? url)
    {
        var body = Body;
        var request = Signed(WebhookSigners.Create(type, config), body, url, "delivery-1");
        Assert.True(WebhookVerifiers.Verify(type, config, request).IsValid);

        var explanation = WebhookVerifiers.Explain(type, config, request);

        Assert.NotNull(explanation);
        Assert.Null(explanation.Note);
        var header = string.Join(' ', request.Headers.GetValues(explanation.Header));
        var expected = Assert.Single(explanation.ExpectedSignatures);
        Assert.Contains(expected, header, StringComparison.Ordinal);
        Assert.Contains(Encoding.UTF8.GetString(body), Encoding.UTF8.GetString(explanation.SignedContent.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_StandardWebhooks_SignedContentIsIdTimestampBody()
    {
        var config = Config(("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        var request = Request("""{"test": 2432232314}""", ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), ("webhook-timestamp", "1614265330"), ("webhook-signature", "v1,nope"));

        var explanation = WebhookVerifiers.Explain("svix", config, request)!;

        Assert.Equal("msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}", Encoding.UTF8.GetString(explanation.SignedContent.Span));
        // The published Standard Webhooks test vector.
        Assert.Equal(["v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="], explanation.ExpectedSignatures);
    }

    [Fact]
    public void Explain_MissingTimestampHeader_SaysWhatWasTakenAsEmpty()
    {
        var explanation = WebhookVerifiers.Explain("slack", Config(("secret", "s")), Request("{}", ("X-Slack-Signature", "v0=00")))!;

        Assert.Equal("Missing (taken as empty): header 'X-Slack-Request-Timestamp'.", explanation.Note);
        Assert.Equal("v0::{}", Encoding.UTF8.GetString(explanation.SignedContent.Span));
    }

    [Theory]
    [InlineData("discord", "publicKey", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")]
    [InlineData("gitlab", "secret", "s")]
    [InlineData("twilio", "secret", "s")]
    [InlineData("mailgun", "secret", "s")]
    [InlineData("stripe", "secret", "not-a-stripe-secret")]
    public void Explain_SchemeThatCannotShowIt_ReturnsNull(string type, string key, string value)
    {
        Assert.Null(WebhookVerifiers.Explain(type, Config((key, value)), Request("{}")));
    }
}
