using System.Text.Json;
using Hookline.Signatures.StandardWebhooks;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests;

public sealed class WebhookVerifiersTests
{
    public static TheoryData<string, Dictionary<string, string?>> ValidConfigs() => new()
    {
        { "generic-webhook", Config() },
        { "svix", Config(("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")) },
        { "standard-webhooks", Config(("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="), ("toleranceSeconds", "600")) },
        { "stripe", Config(("secret", "whsec_abc")) },
        { "github", Config(("secret", "s"), ("allowSha1", "false")) },
        { "shopify", Config(("secret", "s")) },
        { "slack", Config(("secret", "8f742231b10e8888abcd99yyyzzz85a5")) },
        { "zoom", Config(("secret", "s")) },
        { "twilio", Config(("secret", "s")) },
        { "paddle", Config(("secret", "s"), ("toleranceSeconds", "30")) },
        { "square", Config(("secret", "s"), ("notificationUrl", "https://example.com/sq")) },
        { "mailgun", Config(("secret", "s")) },
        { "discord", Config(("publicKey", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")) },
        { "twitch", Config(("secret", "s")) },
        { "linear", Config(("secret", "s")) },
        { "sendgrid", Config(("publicKey", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")) },
        { "gitlab", Config(("secret", "s")) },
        { "intercom", Config(("secret", "s")) },
        { "bitbucket", Config(("secret", "s")) },
        { "hmac", Config(("secret", "s"), ("header", "X-Sig"), ("template", "{id}.{timestamp}.{body}"), ("idHeader", "X-Id"), ("timestampHeader", "X-Ts"), ("algorithm", "sha512"), ("encoding", "base64")) },
    };

    [Theory]
    [MemberData(nameof(ValidConfigs))]
    public void TryCreate_ValidConfig_CreatesVerifierOfThatType(string type, Dictionary<string, string?> config)
    {
        Assert.True(WebhookVerifiers.TryCreate(type, config, null, out var verifier, out var errors), string.Join("; ", errors));
        Assert.Equal(type, verifier.Type);
        Assert.Empty(WebhookVerifiers.Validate(type, config));
    }

    [Fact]
    public void KnownTypes_HasEverySchemeOfTheIssue()
    {
        string[] expected = ["generic-webhook", "svix", "standard-webhooks", "stripe", "github", "shopify", "slack", "zoom", "twilio", "paddle", "square", "mailgun", "discord", "twitch", "linear", "sendgrid", "gitlab", "intercom", "bitbucket", "hmac"];
        Assert.Equal(expected.Order(), WebhookVerifiers.KnownTypes.Order());
        Assert.All(WebhookVerifiers.Schemes, s => Assert.False(string.IsNullOrWhiteSpace(s.Description)));
        Assert.Equal("svix", WebhookVerifiers.Describe("standard-webhooks")!.AliasOf);
    }

    [Theory]
    [InlineData("stripe")]
    [InlineData("github")]
    [InlineData("svix")]
    [InlineData("hmac")]
    [InlineData("discord")]
    public void Validate_MissingSecret_ReportsTheKey(string type)
    {
        var errors = WebhookVerifiers.Validate(type, Config());
        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Key is "secret" or "publicKey");
    }

    [Theory]
    [InlineData("", "type")]
    [InlineData("no-such-type", "type")]
    public void Validate_UnknownType_ListsKnownTypes(string type, string key)
    {
        var error = Assert.Single(WebhookVerifiers.Validate(type, Config(("secret", "x"))));
        Assert.Equal(key, error.Key);
        Assert.Contains("stripe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MisspeltKey_IsRejectedNotIgnored()
    {
        var errors = WebhookVerifiers.Validate("stripe", Config(("secret", "whsec_x"), ("toleranceSecs", "10")));
        var error = Assert.Single(errors);
        Assert.Equal("toleranceSecs", error.Key);
        Assert.Contains("toleranceSeconds", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stripe", "sk_live_123", "API key")]
    [InlineData("stripe", "not-a-stripe-secret", "whsec_")]
    [InlineData("slack", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Standard Webhooks")]
    [InlineData("slack", "xoxb-123-456", "bot token")]
    [InlineData("twilio", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Standard Webhooks")]
    [InlineData("svix", "my plain password", "base64")]
    [InlineData("svix", "whsec_%%%", "base64")]
    [InlineData("github", " padded", "whitespace")]
    [InlineData("hmac", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "secretEncoding")]
    public void Validate_SecretInWrongFormat_ExplainsWhy(string type, string secret, string fragment)
    {
        var config = Config(("secret", secret));
        if (type == "hmac")
        {
            config["header"] = "X-Sig";
        }

        var errors = WebhookVerifiers.Validate(type, config);
        Assert.Contains(errors, e => e.Message.Contains(fragment, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => secret.Length > 8 && e.Message.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_GitHubSecretStartingWithWhsec_IsFine() =>
        Assert.Empty(WebhookVerifiers.Validate("github", Config(("secret", "whsec_anything goes for GitHub"))));

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("abc")]
    [InlineData("9999999")]
    public void Validate_BadTolerance_Rejected(string tolerance) =>
        Assert.Contains(WebhookVerifiers.Validate("stripe", Config(("secret", "whsec_x"), ("toleranceSeconds", tolerance))), e => e.Key == "toleranceSeconds");

    [Theory]
    [InlineData("{id}.{body}", "idHeader")]
    [InlineData("{timestamp}.{body}", "timestampHeader")]
    [InlineData("{nonce}.{body}", "template")]
    [InlineData("{id}", "template")]
    [InlineData("{body", "template")]
    public void Validate_HmacTemplateProblems_ReportedWithKey(string template, string key) =>
        Assert.Contains(WebhookVerifiers.Validate("hmac", Config(("secret", "s"), ("header", "X-Sig"), ("template", template))), e => e.Key == key);

    [Fact]
    public void Validate_DiscordBadPublicKey_Rejected() =>
        Assert.Contains(WebhookVerifiers.Validate("discord", Config(("publicKey", "zz"))), e => e.Key == "publicKey");

    [Fact]
    public void Validate_SendGridNonEcdsaKey_Rejected() =>
        Assert.Contains(WebhookVerifiers.Validate("sendgrid", Config(("publicKey", Convert.ToBase64String(new byte[40])))), e => e.Key == "publicKey");

    [Fact]
    public void Validate_GenericWebhookWithConfig_RejectsUnknownKeys() =>
        Assert.Contains(WebhookVerifiers.Validate("generic-webhook", Config(("secret", "x"))), e => e.Key == "secret");

    [Fact]
    public void Create_GenericWebhook_AcceptsButSaysNothingWasVerified()
    {
        var result = WebhookVerifiers.Create("generic-webhook", Config()).Verify(Request("{}"));
        Assert.True(result.IsValid);
        Assert.False(result.SignatureVerified);
    }

    [Fact]
    public void Create_InvalidConfig_ThrowsWithAllErrors()
    {
        var exception = Assert.Throws<WebhookConfigurationException>(() => WebhookVerifiers.Create("hmac", Config(("toleranceSeconds", "x"))));
        Assert.Contains(exception.Errors, e => e.Key == "secret");
        Assert.Contains(exception.Errors, e => e.Key == "header");
        Assert.Contains(exception.Errors, e => e.Key == "toleranceSeconds");
    }

    [Fact]
    public void Create_FromJsonObject_LikeSvixIngestConfig()
    {
        using var json = JsonDocument.Parse("""{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","toleranceSeconds":600}""");
        var verifier = WebhookVerifiers.Create("svix", json.RootElement, At(1614265330 + 600));
        var result = verifier.Verify(Request("{\"test\": 2432232314}", ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), ("svix-timestamp", "1614265330"), ("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")));
        AssertValid(result);
    }

    [Fact]
    public void FromJson_NestedValue_ReportsKey()
    {
        using var json = JsonDocument.Parse("""{"secret":{"nested":true}}""");
        var (_, errors) = WebhookVerifiers.FromJson(json.RootElement);
        Assert.Equal("secret", Assert.Single(errors).Key);
    }

    [Fact]
    public void Verify_OneCallWithBadSecret_ReturnsInvalidSecretFailure()
    {
        var result = WebhookVerifiers.Verify("svix", Config(("secret", "not base64!")), Request("{}"));
        AssertFails(result, VerificationFailure.InvalidSecret);
        var config = WebhookVerifiers.Verify("nope", Config(), Request("{}"));
        AssertFails(config, VerificationFailure.InvalidConfiguration);
    }

    [Fact]
    public void TypedFactory_EmptySecret_Throws()
    {
        Assert.Throws<ArgumentException>(() => Hookline.Signatures.Providers.GitHubWebhooks.CreateVerifier(""));
        Assert.Throws<ArgumentException>(() => Hookline.Signatures.Providers.StripeWebhooks.CreateVerifier("  "));
        Assert.Throws<ArgumentException>(() => new StandardWebhookVerifier([], null, null));
    }

    [Fact]
    public void WebhookSigners_EveryVerifiableTypeExceptMailgunAndGeneric_CanSign()
    {
        Assert.DoesNotContain("mailgun", WebhookSigners.KnownTypes);
        Assert.DoesNotContain("generic-webhook", WebhookSigners.KnownTypes);
        Assert.Contains("stripe", WebhookSigners.KnownTypes);
        Assert.False(WebhookSigners.TryCreate("mailgun", Config(("secret", "k")), null, out _, out var errors));
        Assert.Contains("no signer", Assert.Single(errors).Message, StringComparison.Ordinal);
    }
}
