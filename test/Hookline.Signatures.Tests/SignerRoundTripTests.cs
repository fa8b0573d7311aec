using System.Security.Cryptography;
using Hookline.Signatures.Providers;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests;

/// <summary>Every signer, created by name, produces requests its verifier (also by name) accepts — and a changed body breaks it.</summary>
public sealed class SignerRoundTripTests
{
    private const long Now = 1_700_000_000;

    public static TheoryData<string, Dictionary<string, string?>, Dictionary<string, string?>, string> Pairs()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var seed = RandomNumberGenerator.GetBytes(32);
        using var ed = NSec.Cryptography.Key.Import(NSec.Cryptography.SignatureAlgorithm.Ed25519, seed, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        var discordPublic = Convert.ToHexStringLower(ed.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey));
        var hmac = Config(("secret", "s3cr3t"), ("header", "X-Sig"), ("prefix", "sha256="), ("template", "{id}:{timestamp}:{url}:{body}"), ("idHeader", "X-Id"), ("timestampHeader", "X-Ts"));
        var svixKey = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
        return new()
        {
            { "svix", Config(("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw " + svixKey)), Config(("secret", "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=")), "{\"a\":1}" },
            { "standard-webhooks", Config(("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")), Config(("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")), "{\"a\":1}" },
            { "stripe", Config(("secret", "whsec_x")), Config(("secret", "whsec_x")), "{\"id\":\"evt_1\"}" },
            { "github", Config(("secret", "g")), Config(("secret", "g")), "{}" },
            { "shopify", Config(("secret", "s")), Config(("secret", "s")), "{}" },
            { "slack", Config(("secret", "s")), Config(("secret", "s")), "a=b" },
            { "zoom", Config(("secret", "s")), Config(("secret", "s")), "{\"event\":\"x\"}" },
            { "twilio", Config(("secret", "tok")), Config(("secret", "tok")), "From=%2B1&Body=hi" },
            { "paddle", Config(("secret", "p")), Config(("secret", "p")), "{}" },
            { "square", Config(("secret", "k")), Config(("secret", "k")), "{\"event_id\":\"e\"}" },
            { "discord", Config(("privateKey", Convert.ToHexStringLower(seed))), Config(("publicKey", discordPublic)), "{\"type\":2,\"id\":\"9\"}" },
            { "twitch", Config(("secret", "twitch-secret")), Config(("secret", "twitch-secret")), "{}" },
            { "linear", Config(("secret", "l")), Config(("secret", "l")), $"{{\"webhookTimestamp\":{Now * 1000}}}" },
            { "sendgrid", Config(("privateKey", Convert.ToBase64String(ecdsa.ExportPkcs8PrivateKey()))), Config(("publicKey", Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo()))), "[]" },
            { "gitlab", Config(("secret", "t")), Config(("secret", "t")), "{}" },
            { "intercom", Config(("secret", "i")), Config(("secret", "i")), "{\"id\":\"notif_1\"}" },
            { "bitbucket", Config(("secret", "b")), Config(("secret", "b")), "{}" },
            { "hmac", hmac, hmac, "{}" },
        };
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void SignThenVerify_ByName_AcceptsAndDetectsTampering(string type, Dictionary<string, string?> signerConfig, Dictionary<string, string?> verifierConfig, string body)
    {
        const string url = "https://hooks.example.com/in/src_1?x=1";
        var signer = WebhookSigners.Create(type, signerConfig, At(Now));
        var verifier = WebhookVerifiers.Create(type, verifierConfig, At(Now));
        var headers = new WebhookHeaders(signer.Sign(Utf8(body), url, "delivery-1"));
        if (type == "twilio")
        {
            headers.Add("Content-Type", "application/x-www-form-urlencoded");
        }

        var result = verifier.Verify(new WebhookRequest(headers, Utf8(body), url));
        AssertValid(result);
        if (type != "gitlab")
        {
            // GitLab's token does not cover the body: nothing to detect there.
            var tampered = verifier.Verify(new WebhookRequest(headers, Utf8(body + " "), url));
            Assert.False(tampered.IsValid, $"{type}: a changed body must fail");
        }
    }
}
