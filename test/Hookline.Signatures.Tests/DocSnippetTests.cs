using System.Security.Cryptography;
using Hookline.Signatures.Providers;
using Hookline.Signatures.StandardWebhooks;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests;

/// <summary>The code of docs/signatures.md, compiled and run, so the docs cannot drift from the API.</summary>
public sealed class DocSnippetTests
{
    private static readonly byte[] Body = Utf8("{\"test\": 2432232314}");

    [Fact]
    public void GatewayStyle_Snippet_Works()
    {
        byte[] rawBody = Body;
        const string publicUrl = "https://hooks.example.com/ingest/tok";
        var incomingHeaders = new[] { ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), ("svix-timestamp", "1614265330"), ("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") };
        string outcome = string.Empty;
        string Unauthorized(string message) => "401 " + message;
        string Respond(int status, string type, string body) => $"{status} {type} {body}";
        string HashOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

        // --- docs/signatures.md "Verify by type name" ---
        var config = new Dictionary<string, string?> { ["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
        IReadOnlyList<ConfigurationError> errors = WebhookVerifiers.Validate("svix", config);
        IWebhookVerifier verifier = WebhookVerifiers.Create("svix", config, At(1614265330));
        var headers = new WebhookHeaders();
        foreach (var (name, value) in incomingHeaders)
        {
            headers.Add(name, value);
        }

        VerificationResult result = verifier.Verify(new WebhookRequest(headers, rawBody, publicUrl));
        if (!result.IsValid)
        {
            outcome = Unauthorized(result.Message);
        }
        else if (result.Handshake is { } handshake)
        {
            outcome = Respond(handshake.StatusCode, handshake.ContentType, handshake.Body);
        }
        else
        {
            outcome = result.DeliveryId ?? HashOf(rawBody);
        }

        // --- end ---
        Assert.Empty(errors);
        Assert.Equal("msg_p5jXN8AQM9LWM0D4loKWxJek", outcome);
    }

    [Fact]
    public void TypedFactories_Snippet_Compiles()
    {
        var discordKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var sendgridKey = Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo());

        IWebhookVerifier[] all =
        [
            StripeWebhooks.CreateVerifier("whsec_…"),
            GitHubWebhooks.CreateVerifier("my secret", allowSha1: false),
            ShopifyWebhooks.CreateVerifier("app client secret"),
            SlackWebhooks.CreateVerifier("signing secret", TimeSpan.FromMinutes(5)),
            TwilioWebhooks.CreateVerifier("auth token"),
            PaddleWebhooks.CreateVerifier("pdl_ntfset_…"),
            SquareWebhooks.CreateVerifier("signature key", "https://example.com/hooks/square"),
            MailgunWebhooks.CreateVerifier("webhook signing key"),
            DiscordWebhooks.CreateVerifier(discordKey),
            TwitchWebhooks.CreateVerifier("subscription secret"),
            ZoomWebhooks.CreateVerifier("secret token"),
            LinearWebhooks.CreateVerifier("signing secret"),
            SendGridWebhooks.CreateVerifier(sendgridKey),
            GitLabWebhooks.CreateVerifier("secret token"),
            IntercomWebhooks.CreateVerifier("client secret"),
            BitbucketWebhooks.CreateVerifier("secret"),
            HmacWebhooks.CreateVerifier(new HmacSchemeOptions
            {
                Secret = "s3cr3t",
                SignatureHeader = "X-Acme-Signature",
                Prefix = "sha256=",
                Template = "{id}.{timestamp}.{body}",
                IdHeader = "X-Acme-Id",
                TimestampHeader = "X-Acme-Timestamp",
            }),
        ];
        Assert.Equal(17, all.Select(v => v.Type).Distinct().Count());
    }

    [Fact]
    public void OutboundSigning_Snippet_Works()
    {
        byte[] body = Body;
        StandardWebhookSecret current = StandardWebhookSecret.Parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        using StandardWebhookSecret ed25519 = StandardWebhookSecret.GenerateEd25519();
        string header = StandardWebhookSignature.Sign("msg_2fYc9h", timestamp: 1_700_000_000, body, current, ed25519);

        Assert.StartsWith("v1,", header, StringComparison.Ordinal);
        var result = StandardWebhookSignature.Verify("msg_2fYc9h", "1700000000", header, body, [ed25519.GetPublicKey()], timeProvider: At(1_700_000_000));
        AssertValid(result);
    }

    [Fact]
    public void ProviderSigner_Snippet_Works()
    {
        byte[] body = Utf8("{\"id\":\"evt_1\"}");
        IWebhookSigner signer = WebhookSigners.Create("stripe", new Dictionary<string, string?> { ["secret"] = "whsec_test" });
        IReadOnlyList<KeyValuePair<string, string>> headersToAdd = signer.Sign(body, url: "https://example.com/hooks", deliveryId: null);

        AssertValid(StripeWebhooks.CreateVerifier("whsec_test").Verify(new WebhookRequest(new WebhookHeaders(headersToAdd), body)));
    }
}
