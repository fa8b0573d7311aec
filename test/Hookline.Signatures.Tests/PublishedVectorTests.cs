using System.Security.Cryptography;
using Hookline.Signatures.Providers;
using Hookline.Signatures.StandardWebhooks;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests;

/// <summary>Every vector in shared/reference/signature-vectors.md, as published by the providers.</summary>
public sealed class PublishedVectorTests
{
    private const string SwSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SwId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SwTimestamp = 1614265330;
    private const string SwBody = "{\"test\": 2432232314}";
    private const string SwV1 = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private const string SwV1Invalid = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd";
    private const string SwSecretKey = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
    private const string SwPublicKey = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";
    private const string SwV1a = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";

    private static WebhookRequest SwRequest(string signature, string prefix = "webhook") =>
        Request(SwBody, ($"{prefix}-id", SwId), ($"{prefix}-timestamp", "1614265330"), ($"{prefix}-signature", signature));

    [Fact]
    public void Sign_StandardWebhooksV1Vector_ProducesPublishedSignature()
    {
        var secret = StandardWebhookSecret.Parse(SwSecret);
        Assert.Equal(SwV1, StandardWebhookSignature.Sign(SwId, SwTimestamp, Utf8(SwBody), secret));
    }

    [Fact]
    public void Verify_StandardWebhooksV1Vector_Accepts()
    {
        var verifier = new StandardWebhookVerifier(StandardWebhookSecret.Parse(SwSecret), timeProvider: At(SwTimestamp));
        var result = verifier.Verify(SwRequest(SwV1));
        AssertValid(result);
        Assert.Equal(SwId, result.DeliveryId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(SwTimestamp), result.Timestamp);
    }

    [Fact]
    public void Verify_StandardWebhooksKnownInvalidSignature_FailsWithMalformedOrNoMatch()
    {
        var verifier = new StandardWebhookVerifier(StandardWebhookSecret.Parse(SwSecret), timeProvider: At(SwTimestamp));
        var result = verifier.Verify(SwRequest(SwV1Invalid));
        // The published invalid value is not even 32 bytes of base64 ("…awdd" cuts it short).
        AssertFails(result, VerificationFailure.MalformedHeader);
        Assert.Equal(StandardWebhookHeaders.Signature, result.Header);
    }

    [Fact]
    public void Verify_StandardWebhooksSeveralSignaturesOneValid_Accepts()
    {
        var verifier = new StandardWebhookVerifier(StandardWebhookSecret.Parse(SwSecret), timeProvider: At(SwTimestamp));
        var other = "v1," + Convert.ToBase64String(new byte[32]);
        AssertValid(verifier.Verify(SwRequest($"{other} {SwV1a} {SwV1}")));
    }

    [Fact]
    public void Verify_StandardWebhooksSvixHeaderAliases_Accepts()
    {
        var verifier = new StandardWebhookVerifier(StandardWebhookSecret.Parse(SwSecret), timeProvider: At(SwTimestamp));
        AssertValid(verifier.Verify(SwRequest(SwV1, prefix: "svix")));
    }

    [Fact]
    public void Sign_StandardWebhooksV1aVector_ProducesPublishedSignature()
    {
        // Ed25519 signatures are deterministic (RFC 8032), so the published value is reproducible.
        using var secret = StandardWebhookSecret.Parse(SwSecretKey);
        Assert.Equal(SwV1a, StandardWebhookSignature.Sign(SwId, SwTimestamp, Utf8(SwBody), secret));
    }

    [Fact]
    public void Verify_StandardWebhooksV1aVectorWithPublicKey_Accepts()
    {
        var verifier = new StandardWebhookVerifier(StandardWebhookSecret.Parse(SwPublicKey), timeProvider: At(SwTimestamp));
        AssertValid(verifier.Verify(SwRequest(SwV1a)));
    }

    [Fact]
    public void GetPublicKey_V1aVectorSecretKey_IsThePublishedPublicKey()
    {
        using var secret = StandardWebhookSecret.Parse(SwSecretKey);
        Assert.Equal(SwPublicKey, secret.GetPublicKey().Export());
    }

    [Fact]
    public void Verify_GitHubVector_Accepts()
    {
        var verifier = GitHubWebhooks.CreateVerifier("It's a Secret to Everybody");
        var result = verifier.Verify(Request("Hello, World!",
            ("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
            ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")));
        AssertValid(result);
        Assert.Equal("72d3162e-cc78-11e3-81ab-4c9367dc0958", result.DeliveryId);
    }

    [Fact]
    public void Sign_GitHubVector_ProducesPublishedHeader()
    {
        var headers = GitHubWebhooks.CreateSigner("It's a Secret to Everybody").Sign(Utf8("Hello, World!"));
        Assert.Contains(new KeyValuePair<string, string>("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"), headers);
    }

    private const string SlackBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    [Fact]
    public void Verify_SlackVector_Accepts()
    {
        var verifier = SlackWebhooks.CreateVerifier("8f742231b10e8888abcd99yyyzzz85a5", timeProvider: At(1531420618));
        AssertValid(verifier.Verify(Request(SlackBody,
            ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
            ("X-Slack-Request-Timestamp", "1531420618"))));
    }

    [Fact]
    public void Sign_SlackVector_ProducesPublishedSignature()
    {
        var headers = SlackWebhooks.CreateSigner("8f742231b10e8888abcd99yyyzzz85a5", At(1531420618)).Sign(Utf8(SlackBody));
        Assert.Contains(new KeyValuePair<string, string>("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"), headers);
        Assert.Contains(new KeyValuePair<string, string>("X-Slack-Request-Timestamp", "1531420618"), headers);
    }

    [Fact]
    public void Verify_ShopifyVector_AcceptsAndReturnsWebhookId()
    {
        var result = ShopifyWebhooks.CreateVerifier("test_secret_key").Verify(Request("{\"foo\": \"bar\"}",
            ("X-Shopify-Hmac-Sha256", "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="),
            ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")));
        AssertValid(result);
        Assert.Equal("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", result.DeliveryId);
    }

    private static readonly byte[] TwilioForm = Utf8("CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212");

    [Theory]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    public void Verify_TwilioVectorsWithAndWithoutPort_Accepts(string url, string signature)
    {
        var result = TwilioWebhooks.CreateVerifier("12345").Verify(Request(TwilioForm, url,
            ("X-Twilio-Signature", signature), ("Content-Type", "application/x-www-form-urlencoded")));
        AssertValid(result);
    }

    [Fact]
    public void ComputeSignature_TwilioVector_ProducesPublishedSignature()
    {
        var parameters = new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE", ["Caller"] = "+14158675309", ["Digits"] = "1234", ["From"] = "+14158675309", ["To"] = "+18005551212",
        };
        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", TwilioWebhooks.ComputeSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", parameters));
        Assert.Equal("kvajT1Ptam85bY51eRf/AJRuM3w=", TwilioWebhooks.ComputeSignature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters));
    }

    [Fact]
    public void Verify_PaddleVector_Accepts()
    {
        var verifier = PaddleWebhooks.CreateVerifier("VALID_SECRET", timeProvider: At(1698796800));
        AssertValid(verifier.Verify(Request("{\"data\": [\"1\", \"2\"]}",
            ("Paddle-Signature", "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9"))));
    }

    [Fact]
    public void Verify_SquareVector_Accepts()
    {
        var verifier = SquareWebhooks.CreateVerifier("signature-key");
        var body = "{\"data\":{\"type\":\"webhooks\",\"id\":\"fake_id\"}}";
        AssertValid(verifier.Verify(Request(Utf8(body), "https://webhook.site/webhooks", ("x-square-hmacsha256-signature", "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA="))));
    }

    [Fact]
    public void ComputeSignature_MailgunVector_ProducesPublishedSignature()
    {
        Assert.Equal(
            "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33",
            MailgunWebhooks.ComputeSignature("key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "1403645220", "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6"));
    }

    [Fact]
    public void Verify_MailgunVectorInJsonBody_AcceptsAndReturnsToken()
    {
        var body = """{"signature":{"timestamp":"1403645220","token":"5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6","signature":"9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33"},"event-data":{"event":"delivered"}}""";
        var result = MailgunWebhooks.CreateVerifier("key-3ax6xnjp29jd6fds4gc373sgvjxteol0", timeProvider: At(1403645220)).Verify(Request(body));
        AssertValid(result);
        Assert.Equal("5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6", result.DeliveryId);
    }

    [Fact]
    public void Verify_MailgunVectorInFormBody_Accepts()
    {
        var body = "timestamp=1403645220&token=5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6&signature=9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33&event=delivered";
        AssertValid(MailgunWebhooks.CreateVerifier("key-3ax6xnjp29jd6fds4gc373sgvjxteol0", timeProvider: At(1403645220)).Verify(Request(body)));
    }

    [Fact]
    public void Verify_Rfc8032Test1ThroughDiscordVerifier_Accepts()
    {
        // Discord signs timestamp + body; an empty timestamp and body make the RFC's empty message.
        var verifier = DiscordWebhooks.CreateVerifier("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        var result = verifier.Verify(Request(string.Empty,
            ("X-Signature-Ed25519", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
            ("X-Signature-Timestamp", string.Empty)));
        AssertValid(result);
    }

    [Fact]
    public void Verify_Rfc8032Test1WithOneBitFlipped_Fails()
    {
        var verifier = DiscordWebhooks.CreateVerifier("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        var result = verifier.Verify(Request("x",
            ("X-Signature-Ed25519", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
            ("X-Signature-Timestamp", string.Empty)));
        AssertFails(result, VerificationFailure.NoMatchingSignature);
    }

    [Fact]
    public void HmacSha256_GitHubVectorDirectly_MatchesIndependentComputation()
    {
        // Sanity check that the vector itself is what plain HMACSHA256 gives.
        var mac = HMACSHA256.HashData(Utf8("It's a Secret to Everybody"), Utf8("Hello, World!"));
        Assert.Equal("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", Convert.ToHexStringLower(mac));
    }
}
