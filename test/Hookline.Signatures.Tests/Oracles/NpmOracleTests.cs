using System.Text;
using Hookline.Signatures.Providers;
using Hookline.Signatures.StandardWebhooks;
using Hookline.Testing;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests.Oracles;

/// <summary>
/// Cross-checks against the providers' own npm libraries (standardwebhooks, svix, stripe,
/// @octokit/webhooks-methods, twilio), in both directions where the library allows.
/// </summary>
public sealed class NpmOracleTests
{
    private static readonly byte[] Body = Utf8("{\"id\":\"evt_1\",\"type\":\"ping\",\"text\":\"héllo \\u2603 ☃\",\"n\":[1,2,3]}");

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    [SkippableTheory]
    [InlineData("standardwebhooks.mjs")]
    [InlineData("svix.mjs")]
    public async Task StandardWebhooks_TheirSignature_OurVerifierAccepts(string script)
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric();
        var output = await NodeOracle.RunAsync(script, new { op = "sign", secret = secret.Export(), id = "msg_oracle", timestamp = 1700000000, body = B64(Body) });
        var verifier = new StandardWebhookVerifier(secret, timeProvider: At(1700000000));
        AssertValid(verifier.Verify(Request(Body, null, ("webhook-id", "msg_oracle"), ("webhook-timestamp", "1700000000"), ("webhook-signature", (string)output["signature"]!))));
    }

    [SkippableTheory]
    [InlineData("standardwebhooks.mjs", "webhook")]
    [InlineData("svix.mjs", "svix")]
    public async Task StandardWebhooks_OurSignature_TheirVerifierAccepts(string script, string headerPrefix)
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric(32);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = StandardWebhookSignature.Sign("msg_ours", now, Body, secret);
        var headers = new Dictionary<string, string>
        {
            [$"{headerPrefix}-id"] = "msg_ours", [$"{headerPrefix}-timestamp"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture), [$"{headerPrefix}-signature"] = signature,
        };
        var output = await NodeOracle.RunAsync(script, new { op = "verify", secret = secret.Export(), headers, body = B64(Body) });
        Assert.True((bool?)output["ok"] == true, output.ToJsonString());
    }

    [SkippableFact]
    public async Task StandardWebhooks_TamperedBody_TheirVerifierRejectsToo()
    {
        using var secret = StandardWebhookSecret.GenerateSymmetric();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = StandardWebhookSignature.Sign("msg_x", now, Body, secret);
        var headers = new Dictionary<string, string> { ["webhook-id"] = "msg_x", ["webhook-timestamp"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture), ["webhook-signature"] = signature };
        var output = await NodeOracle.RunAsync("standardwebhooks.mjs", new { op = "verify", secret = secret.Export(), headers, body = B64(Utf8("{}")) });
        Assert.False((bool?)output["ok"] == true);
    }

    [SkippableFact]
    public async Task Stripe_TheirTestHeader_OurVerifierAccepts()
    {
        const string secret = "whsec_test_oracle_secret";
        var output = await NodeOracle.RunAsync("stripe.mjs", new { op = "sign", secret, timestamp = 1700000000, body = B64(Body) });
        var result = StripeWebhooks.CreateVerifier(secret, timeProvider: At(1700000100)).Verify(Request(Body, null, ("Stripe-Signature", (string)output["header"]!)));
        AssertValid(result);
        Assert.Equal("evt_1", result.DeliveryId);
    }

    [SkippableFact]
    public async Task Stripe_OurSignature_TheirConstructEventAccepts()
    {
        const string secret = "whsec_test_oracle_secret";
        var header = StripeWebhooks.ComputeHeader(secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Body);
        var output = await NodeOracle.RunAsync("stripe.mjs", new { op = "verify", secret, header, body = B64(Body) });
        Assert.True((bool?)output["ok"] == true, output.ToJsonString());
        Assert.Equal("evt_1", (string?)output["id"]);
    }

    [SkippableFact]
    public async Task GitHub_TheirSignature_OurVerifierAccepts()
    {
        var output = await NodeOracle.RunAsync("octokit.mjs", new { op = "sign", secret = "octo secret ☃", body = B64(Body) });
        AssertValid(GitHubWebhooks.CreateVerifier("octo secret ☃").Verify(Request(Body, null, ("X-Hub-Signature-256", (string)output["signature"]!))));
    }

    [SkippableFact]
    public async Task GitHub_OurSignature_TheirVerifyAccepts()
    {
        var headers = GitHubWebhooks.CreateSigner("octo secret ☃").Sign(Body);
        var signature = headers.First(h => h.Key == GitHubWebhooks.SignatureHeader).Value;
        var output = await NodeOracle.RunAsync("octokit.mjs", new { op = "verify", secret = "octo secret ☃", signature, body = B64(Body) });
        Assert.True((bool?)output["ok"] == true);
    }

    [SkippableFact]
    public async Task Twilio_TheirSignatureWithRepeatedAndUnicodeParams_OurVerifierAccepts()
    {
        const string url = "https://example.com/twilio/hook?x=1";
        var form = "To=%2B15551234&Body=h%C3%A9llo+w%C3%B6rld&MediaUrl=b&MediaUrl=a&Empty=";
        var parameters = new Dictionary<string, object> { ["To"] = "+15551234", ["Body"] = "héllo wörld", ["MediaUrl"] = new[] { "b", "a" }, ["Empty"] = string.Empty };
        var output = await NodeOracle.RunAsync("twilio.mjs", new { op = "sign", token = "tok_12345", url, @params = parameters });
        var result = TwilioWebhooks.CreateVerifier("tok_12345").Verify(Request(Utf8(form), url,
            ("X-Twilio-Signature", (string)output["signature"]!), ("Content-Type", "application/x-www-form-urlencoded"), ("I-Twilio-Idempotency-Token", "idem-1")));
        AssertValid(result);
        Assert.Equal("idem-1", result.DeliveryId);
    }

    [SkippableFact]
    public async Task Twilio_OurSignatureOverForm_TheirValidateRequestAccepts()
    {
        const string url = "https://example.com:8443/sms";
        var form = Utf8("From=%2B1555&Body=hi+there");
        var signature = TwilioWebhooks.CreateSigner("tok_12345").Sign(form, url).First(h => h.Key == TwilioWebhooks.SignatureHeader).Value;
        var output = await NodeOracle.RunAsync("twilio.mjs", new { op = "verify", token = "tok_12345", signature, url, @params = new Dictionary<string, string> { ["From"] = "+1555", ["Body"] = "hi there" } });
        Assert.True((bool?)output["ok"] == true);
    }

    [SkippableFact]
    public async Task Twilio_OurJsonBodySignature_TheirValidateRequestWithBodyAccepts()
    {
        var url = TwilioWebhooks.AddBodyHash("https://example.com/json?a=b", Body);
        var signature = TwilioWebhooks.CreateSigner("tok_12345").Sign(Body, url).First(h => h.Key == TwilioWebhooks.SignatureHeader).Value;
        var output = await NodeOracle.RunAsync("twilio.mjs", new { op = "verifyBody", token = "tok_12345", signature, url, body = B64(Body) });
        Assert.True((bool?)output["ok"] == true);
        AssertValid(TwilioWebhooks.CreateVerifier("tok_12345").Verify(Request(Body, url, ("X-Twilio-Signature", signature), ("Content-Type", "application/json"))));
    }

    [Fact]
    public void Twilio_JsonBodyChangedAfterSigning_FailsWithBodyHashMismatch()
    {
        var url = TwilioWebhooks.AddBodyHash("https://example.com/json", Body);
        var signature = TwilioWebhooks.CreateSigner("tok_12345").Sign(Body, url).First(h => h.Key == TwilioWebhooks.SignatureHeader).Value;
        var result = TwilioWebhooks.CreateVerifier("tok_12345").Verify(Request(Encoding.UTF8.GetBytes("{\"id\":\"evt_2\"}"), url, ("X-Twilio-Signature", signature), ("Content-Type", "application/json")));
        AssertFails(result, VerificationFailure.BodyHashMismatch);
    }
}
