using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hookline.Signatures.Providers;
using NSec.Cryptography;
using static Hookline.Signatures.Tests.TestRequests;

namespace Hookline.Signatures.Tests.Providers;

/// <summary>
/// Schemes without a published vector: each test computes the expected signature independently,
/// straight from the provider's documented recipe with plain HMACSHA256/HMACSHA1, ECDsa or NSec,
/// and checks that our verifier accepts it (and our signer produces it).
/// </summary>
public sealed class IndependentOracleTests
{
    private const long Now = 1_700_000_000;

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [Fact]
    public void Verify_ZoomIndependentHmac_AcceptsWithoutDeliveryId()
    {
        var body = "{\"event\":\"meeting.started\",\"payload\":{\"object\":{\"id\":\"1\"}},\"event_ts\":1700000000123}";
        var signature = "v0=" + Hex(HMACSHA256.HashData(Utf8("zoom-secret"), Utf8($"v0:{Now}:{body}")));
        var result = ZoomWebhooks.CreateVerifier("zoom-secret", timeProvider: At(Now)).Verify(Request(body, ("x-zm-signature", signature), ("x-zm-request-timestamp", Now.ToString(CultureInfo.InvariantCulture))));
        AssertValid(result);
        Assert.Null(result.DeliveryId);
        Assert.Null(result.Handshake);
    }

    [Fact]
    public void Verify_ZoomUrlValidation_AnswersWithEncryptedToken()
    {
        var body = "{\"payload\":{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\"},\"event_ts\":1654503849680,\"event\":\"endpoint.url_validation\"}";
        var signature = "v0=" + Hex(HMACSHA256.HashData(Utf8("zoom-secret"), Utf8($"v0:{Now}:{body}")));
        var result = ZoomWebhooks.CreateVerifier("zoom-secret", timeProvider: At(Now)).Verify(Request(body, ("x-zm-signature", signature), ("x-zm-request-timestamp", Now.ToString(CultureInfo.InvariantCulture))));
        AssertValid(result);
        var expectedToken = Hex(HMACSHA256.HashData(Utf8("zoom-secret"), Utf8("qgg8vlvZRS6UYooatFL8Aw")));
        Assert.Equal(new HandshakeResponse(200, "application/json", $"{{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\",\"encryptedToken\":\"{expectedToken}\"}}"), result.Handshake);
        Assert.Equal(expectedToken, ZoomWebhooks.EncryptToken("zoom-secret", "qgg8vlvZRS6UYooatFL8Aw"));
    }

    [Fact]
    public void Verify_ZoomUrlValidationWithBadSignature_FailsWithoutHandshake()
    {
        var body = "{\"payload\":{\"plainToken\":\"abc\"},\"event\":\"endpoint.url_validation\"}";
        var result = ZoomWebhooks.CreateVerifier("zoom-secret", timeProvider: At(Now)).Verify(Request(body, ("x-zm-signature", "v0=" + new string('0', 64)), ("x-zm-request-timestamp", Now.ToString(CultureInfo.InvariantCulture))));
        AssertFails(result, VerificationFailure.NoMatchingSignature);
        Assert.Null(result.Handshake);
    }

    [Fact]
    public void Verify_SlackUrlVerification_EchoesChallengeAfterSignatureCheck()
    {
        var body = "{\"token\":\"t\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\",\"type\":\"url_verification\"}";
        var signature = "v0=" + Hex(HMACSHA256.HashData(Utf8("slack-secret"), Utf8($"v0:{Now}:{body}")));
        var result = SlackWebhooks.CreateVerifier("slack-secret", timeProvider: At(Now)).Verify(Request(body, ("X-Slack-Signature", signature), ("X-Slack-Request-Timestamp", Now.ToString(CultureInfo.InvariantCulture))));
        AssertValid(result);
        Assert.Equal(new HandshakeResponse(200, "text/plain", "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"), result.Handshake);
    }

    [Fact]
    public void Verify_SlackEventCallback_ReturnsEventIdAsDeliveryId()
    {
        var body = "{\"type\":\"event_callback\",\"event_id\":\"Ev0PV52K21\",\"event\":{\"type\":\"app_mention\"}}";
        var signer = SlackWebhooks.CreateSigner("slack-secret", At(Now));
        var result = SlackWebhooks.CreateVerifier("slack-secret", timeProvider: At(Now)).Verify(Signed(signer, Utf8(body)));
        AssertValid(result);
        Assert.Equal("Ev0PV52K21", result.DeliveryId);
    }

    [Fact]
    public void Verify_TwitchIndependentHmac_AcceptsAndReturnsMessageId()
    {
        const string id = "e76c6bd4-55c9-4987-8304-da1588d8988b";
        const string timestamp = "2023-11-14T22:13:20.123456789Z"; // nanoseconds, as Twitch sends
        var body = "{\"subscription\":{\"type\":\"channel.follow\"},\"event\":{}}";
        var signature = "sha256=" + Hex(HMACSHA256.HashData(Utf8("twitch-secret-123"), Utf8(id + timestamp + body)));
        var result = TwitchWebhooks.CreateVerifier("twitch-secret-123", timeProvider: At(Now)).Verify(Request(body,
            ("Twitch-Eventsub-Message-Id", id), ("Twitch-Eventsub-Message-Timestamp", timestamp), ("Twitch-Eventsub-Message-Signature", signature), ("Twitch-Eventsub-Message-Type", "notification")));
        AssertValid(result);
        Assert.Equal(id, result.DeliveryId);
        Assert.Null(result.Handshake);
    }

    [Fact]
    public void Verify_TwitchCallbackVerification_EchoesChallengeAsPlainText()
    {
        var body = "{\"challenge\":\"pogchamp-kappa-360noscope-vohiyo\",\"subscription\":{\"id\":\"f1c2a387\"}}";
        var signer = TwitchWebhooks.CreateSigner("twitch-secret-123", At(Now));
        var result = TwitchWebhooks.CreateVerifier("twitch-secret-123", timeProvider: At(Now)).Verify(Signed(signer, Utf8(body), extra: ("Twitch-Eventsub-Message-Type", "webhook_callback_verification")));
        AssertValid(result);
        Assert.Equal(new HandshakeResponse(200, "text/plain", "pogchamp-kappa-360noscope-vohiyo"), result.Handshake);
    }

    [Fact]
    public void Verify_TwitchMessageElevenMinutesOld_FailsTooOld()
    {
        var signer = TwitchWebhooks.CreateSigner("twitch-secret-123", At(Now));
        var result = TwitchWebhooks.CreateVerifier("twitch-secret-123", timeProvider: At(Now + 660)).Verify(Signed(signer, Utf8("{}")));
        AssertFails(result, VerificationFailure.TimestampTooOld);
        Assert.Equal(660, result.SkewSeconds);
    }

    [Fact]
    public void Verify_LinearIndependentHmacWithBodyTimestamp_Accepts()
    {
        var body = $"{{\"action\":\"create\",\"type\":\"Issue\",\"webhookTimestamp\":{Now * 1000 + 250}}}";
        var signature = Hex(HMACSHA256.HashData(Utf8("lin_wh_secret"), Utf8(body)));
        var result = LinearWebhooks.CreateVerifier("lin_wh_secret", timeProvider: At(Now)).Verify(Request(body, ("Linear-Signature", signature), ("Linear-Delivery", "234d1a4e-b617-4388-90fe-adc3633d6b72")));
        AssertValid(result);
        Assert.Equal("234d1a4e-b617-4388-90fe-adc3633d6b72", result.DeliveryId);
    }

    [Fact]
    public void Verify_LinearTimestampSixtyOneSecondsOld_FailsTooOld()
    {
        var body = $"{{\"webhookTimestamp\":{(Now - 61) * 1000}}}";
        var signature = Hex(HMACSHA256.HashData(Utf8("lin_wh_secret"), Utf8(body)));
        AssertFails(LinearWebhooks.CreateVerifier("lin_wh_secret", timeProvider: At(Now)).Verify(Request(body, ("Linear-Signature", signature))), VerificationFailure.TimestampTooOld);
    }

    [Fact]
    public void Verify_LinearBodyWithoutTimestamp_FailsMalformedBody()
    {
        var body = "{\"action\":\"create\"}";
        var signature = Hex(HMACSHA256.HashData(Utf8("lin_wh_secret"), Utf8(body)));
        AssertFails(LinearWebhooks.CreateVerifier("lin_wh_secret", timeProvider: At(Now)).Verify(Request(body, ("Linear-Signature", signature))), VerificationFailure.MalformedBody);
    }

    [Fact]
    public void Verify_IntercomIndependentHmacSha1_AcceptsAndReturnsNotificationId()
    {
        var body = "{\"type\":\"notification_event\",\"id\":\"notif_ccd8a4d2\",\"topic\":\"conversation.user.created\"}";
#pragma warning disable CA5350 // Intercom's scheme.
        var signature = "sha1=" + Hex(HMACSHA1.HashData(Utf8("intercom-client-secret"), Utf8(body)));
#pragma warning restore CA5350
        var result = IntercomWebhooks.CreateVerifier("intercom-client-secret").Verify(Request(body, ("X-Hub-Signature", signature)));
        AssertValid(result);
        Assert.Equal("notif_ccd8a4d2", result.DeliveryId);
    }

    [Fact]
    public void Verify_BitbucketIndependentHmac_AcceptsAndReturnsRequestUuid()
    {
        var body = "{\"push\":{\"changes\":[]}}";
        var signature = "sha256=" + Hex(HMACSHA256.HashData(Utf8("bb-secret"), Utf8(body)));
        var result = BitbucketWebhooks.CreateVerifier("bb-secret").Verify(Request(body, ("X-Hub-Signature", signature), ("X-Request-UUID", "req-uuid-1")));
        AssertValid(result);
        Assert.Equal("req-uuid-1", result.DeliveryId);
    }

    [Fact]
    public void Verify_BitbucketGivenSha1Signature_FailsMalformed()
    {
#pragma warning disable CA5350
        var signature = "sha1=" + Hex(HMACSHA1.HashData(Utf8("bb-secret"), Utf8("{}")));
#pragma warning restore CA5350
        AssertFails(BitbucketWebhooks.CreateVerifier("bb-secret").Verify(Request("{}", ("X-Hub-Signature", signature))), VerificationFailure.MalformedHeader);
    }

    [Fact]
    public void Verify_GitHubLegacySha1Only_AcceptedByDefaultAndRefusedWhenDisabled()
    {
#pragma warning disable CA5350
        var signature = "sha1=" + Hex(HMACSHA1.HashData(Utf8("gh"), Utf8("{}")));
#pragma warning restore CA5350
        AssertValid(GitHubWebhooks.CreateVerifier("gh").Verify(Request("{}", ("X-Hub-Signature", signature))));
        var refused = GitHubWebhooks.CreateVerifier("gh", allowSha1: false).Verify(Request("{}", ("X-Hub-Signature", signature)));
        AssertFails(refused, VerificationFailure.MissingHeader);
        Assert.Equal("X-Hub-Signature-256", refused.Header);
    }

    [Fact]
    public void Verify_GitLabToken_AcceptsExactTokenOnly()
    {
        var verifier = GitLabWebhooks.CreateVerifier("gl-token-☃");
        var ok = verifier.Verify(Request("{}", ("X-Gitlab-Token", "gl-token-☃"), ("Idempotency-Key", "f8a5c1b2")));
        AssertValid(ok);
        Assert.Equal("f8a5c1b2", ok.DeliveryId);
        AssertFails(verifier.Verify(Request("{}", ("X-Gitlab-Token", "gl-token-"))), VerificationFailure.NoMatchingSignature);
        AssertFails(verifier.Verify(Request("{}")), VerificationFailure.MissingHeader);
    }

    [Fact]
    public void Verify_SquareIndependentHmacWithConfiguredUrl_AcceptsWhateverTheRequestUrl()
    {
        var body = "{\"merchant_id\":\"M1\",\"type\":\"payment.created\",\"event_id\":\"6a8f5f28-54a1-4eb0-a98a-3111513fd4fc\"}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Utf8("sq-key"), Utf8("https://public.example.com/hooks/square" + body)));
        var verifier = SquareWebhooks.CreateVerifier("sq-key", "https://public.example.com/hooks/square");
        var result = verifier.Verify(Request(Utf8(body), "http://10.0.0.5:8080/hooks/square", ("x-square-hmacsha256-signature", signature)));
        AssertValid(result);
        Assert.Equal("6a8f5f28-54a1-4eb0-a98a-3111513fd4fc", result.DeliveryId);
    }

    [Fact]
    public void Verify_SquareWithoutAnyUrl_FailsMissingUrl()
    {
        AssertFails(SquareWebhooks.CreateVerifier("sq-key").Verify(Request("{}", ("x-square-hmacsha256-signature", Convert.ToBase64String(new byte[32])))), VerificationFailure.MissingUrl);
    }

    [Fact]
    public void Verify_SquareBehindProxyWithInternalUrl_FailsNoMatch()
    {
        var body = "{}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Utf8("sq-key"), Utf8("https://public.example.com/hook" + body)));
        AssertFails(SquareWebhooks.CreateVerifier("sq-key").Verify(Request(Utf8(body), "http://internal:8080/hook", ("x-square-hmacsha256-signature", signature))), VerificationFailure.NoMatchingSignature);
    }

    [Fact]
    public void Verify_DiscordIndependentNSecSignature_AcceptsAndAnswersPing()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var publicHex = Hex(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        var body = "{\"id\":\"1234567890\",\"type\":1,\"application_id\":\"42\"}";
        var timestamp = Now.ToString(CultureInfo.InvariantCulture);
        var signature = Hex(SignatureAlgorithm.Ed25519.Sign(key, Utf8(timestamp + body)));
        var result = DiscordWebhooks.CreateVerifier(publicHex).Verify(Request(body, ("X-Signature-Ed25519", signature), ("X-Signature-Timestamp", timestamp)));
        AssertValid(result);
        Assert.Equal("1234567890", result.DeliveryId);
        Assert.Equal(new HandshakeResponse(200, "application/json", "{\"type\":1}"), result.Handshake);
    }

    [Fact]
    public void Verify_DiscordTimestamp_CheckedOnlyWhenAToleranceIsGiven()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var publicHex = Hex(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        var body = "{\"id\":\"1\",\"type\":2}";
        VerificationResult VerifyAt(string timestamp, TimeSpan? tolerance) =>
            DiscordWebhooks.CreateVerifier(publicHex, tolerance, At(Now + 600)).Verify(Request(body,
                ("X-Signature-Ed25519", Hex(SignatureAlgorithm.Ed25519.Sign(key, Utf8(timestamp + body)))), ("X-Signature-Timestamp", timestamp)));

        AssertTimestampCheckedOnlyWithTolerance(VerifyAt);
    }

    [Fact]
    public void Verify_SendGridTimestamp_CheckedOnlyWhenAToleranceIsGiven()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo());
        var body = "[]";
        VerificationResult VerifyAt(string timestamp, TimeSpan? tolerance) =>
            SendGridWebhooks.CreateVerifier(publicKey, tolerance, At(Now + 600)).Verify(Request(body,
                ("X-Twilio-Email-Event-Webhook-Signature", Convert.ToBase64String(ecdsa.SignData(Utf8(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))),
                ("X-Twilio-Email-Event-Webhook-Timestamp", timestamp)));

        AssertTimestampCheckedOnlyWithTolerance(VerifyAt);
    }

    /// <summary>Signed 600 s ago, or with a timestamp that is not Unix seconds: fine without a tolerance, refused with 5 minutes.</summary>
    private static void AssertTimestampCheckedOnlyWithTolerance(Func<string, TimeSpan?, VerificationResult> verifyAt)
    {
        var signedAt = Now.ToString(CultureInfo.InvariantCulture);
        var result = verifyAt(signedAt, null);
        AssertValid(result);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Now), result.Timestamp);
        var unparsed = verifyAt("yesterday", null);
        AssertValid(unparsed);
        Assert.Null(unparsed.Timestamp);
        AssertValid(verifyAt(signedAt, TimeSpan.FromMinutes(10)));
        AssertFails(verifyAt(signedAt, TimeSpan.FromMinutes(5)), VerificationFailure.TimestampTooOld);
        AssertFails(verifyAt("yesterday", TimeSpan.FromMinutes(5)), VerificationFailure.MalformedHeader);
    }

    [Fact]
    public void Sign_DiscordSigner_VerifiesWithIndependentNSec()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        using var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        var headers = DiscordWebhooks.CreateSigner(Hex(seed), At(Now)).Sign(Utf8("{\"type\":2}"));
        var signature = Convert.FromHexString(headers.First(h => h.Key == "X-Signature-Ed25519").Value);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(key.PublicKey, Utf8(Now.ToString(CultureInfo.InvariantCulture) + "{\"type\":2}"), signature));
    }

    [Fact]
    public void Verify_SendGridIndependentEcdsaDerSignature_Accepts()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo());
        var body = "[{\"email\":\"a@example.com\",\"event\":\"delivered\",\"sg_event_id\":\"x\"}]\r\n";
        var timestamp = Now.ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(ecdsa.SignData(Utf8(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var verifier = SendGridWebhooks.CreateVerifier(publicKey);
        var result = verifier.Verify(Request(body, ("X-Twilio-Email-Event-Webhook-Signature", signature), ("X-Twilio-Email-Event-Webhook-Timestamp", timestamp)));
        AssertValid(result);
        Assert.Null(result.DeliveryId);
        AssertFails(verifier.Verify(Request(body + " ", ("X-Twilio-Email-Event-Webhook-Signature", signature), ("X-Twilio-Email-Event-Webhook-Timestamp", timestamp))), VerificationFailure.NoMatchingSignature);
    }

    [Fact]
    public void Sign_SendGridSigner_VerifiesWithIndependentEcdsa()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = SendGridWebhooks.CreateSigner(Convert.ToBase64String(ecdsa.ExportPkcs8PrivateKey()), At(Now));
        var headers = signer.Sign(Utf8("[]"));
        var signature = Convert.FromBase64String(headers.First(h => h.Key == SendGridWebhooks.SignatureHeader).Value);
        Assert.True(ecdsa.VerifyData(Utf8(Now.ToString(CultureInfo.InvariantCulture) + "[]"), signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void Verify_PaddleIndependentHmacWithRotation_AcceptsAnyH1()
    {
        var body = "{\"event_id\":\"evt_01h\",\"event_type\":\"transaction.completed\"}";
        var good = Hex(HMACSHA256.HashData(Utf8("pdl_ntfset_secret"), Utf8($"{Now}:{body}")));
        var result = PaddleWebhooks.CreateVerifier("pdl_ntfset_secret", timeProvider: At(Now + 5)).Verify(Request(body, ("Paddle-Signature", $"ts={Now};h1={new string('a', 64)};h1={good}")));
        AssertValid(result);
        Assert.Equal("evt_01h", result.DeliveryId);
        AssertFails(PaddleWebhooks.CreateVerifier("pdl_ntfset_secret", timeProvider: At(Now + 6)).Verify(Request(body, ("Paddle-Signature", $"ts={Now};h1={good}"))), VerificationFailure.TimestampTooOld);
    }

    [Fact]
    public void Verify_RepeatedTimestampItem_StripeAcceptsTheSameValueAndPaddleNone()
    {
        var body = "{\"id\":\"evt_1\",\"event_id\":\"evt_1\"}";
        var v1 = Hex(HMACSHA256.HashData(Utf8("whsec_repeat"), Utf8($"{Now}.{body}")));
        var stripe = StripeWebhooks.CreateVerifier("whsec_repeat", timeProvider: At(Now));
        AssertValid(stripe.Verify(Request(body, ("Stripe-Signature", $"t={Now},v1={v1},t={Now}"))));
        AssertFails(stripe.Verify(Request(body, ("Stripe-Signature", $"t={Now},v1={v1},t={Now + 1}"))), VerificationFailure.MalformedHeader);
        var h1 = Hex(HMACSHA256.HashData(Utf8("pdl_repeat"), Utf8($"{Now}:{body}")));
        var paddle = PaddleWebhooks.CreateVerifier("pdl_repeat", timeProvider: At(Now));
        AssertValid(paddle.Verify(Request(body, ("Paddle-Signature", $"ts={Now};h1={h1}"))));
        AssertFails(paddle.Verify(Request(body, ("Paddle-Signature", $"ts={Now};h1={h1};ts={Now}"))), VerificationFailure.MalformedHeader);
    }

    [Fact]
    public void Verify_GenericHmacTemplate_MatchesIndependentComputation()
    {
        var options = new HmacSchemeOptions
        {
            Secret = "generic-secret",
            SignatureHeader = "X-Acme-Signature",
            Prefix = "v1=",
            Algorithm = HmacAlgorithm.Sha512,
            Encoding = SignatureEncoding.Base64,
            Template = "{id}.{timestamp}.{url}.{body}",
            IdHeader = "X-Acme-Id",
            TimestampHeader = "X-Acme-Timestamp",
        };
        var body = "{\"a\":1}";
        var url = "https://hooks.example.com/in/acme?x=1";
        var signature = "v1=" + Convert.ToBase64String(HMACSHA512.HashData(Utf8("generic-secret"), Utf8($"evt_9.{Now}.{url}.{body}")));
        var result = HmacWebhooks.CreateVerifier(options, At(Now)).Verify(Request(Utf8(body), url, ("X-Acme-Signature", signature), ("X-Acme-Id", "evt_9"), ("X-Acme-Timestamp", Now.ToString(CultureInfo.InvariantCulture))));
        AssertValid(result);
        Assert.Equal("evt_9", result.DeliveryId);
        var signed = HmacWebhooks.CreateSigner(options, At(Now)).Sign(Utf8(body), url, "evt_9");
        Assert.Contains(new KeyValuePair<string, string>("X-Acme-Signature", signature), signed);
    }

    [Fact]
    public void Verify_ShopifySignerOutput_MatchesIndependentBase64Hmac()
    {
        var body = Utf8("{\"id\":820982911946154508}");
        var headers = ShopifyWebhooks.CreateSigner("shpss_secret").Sign(body, deliveryId: "wh-1");
        Assert.Contains(new KeyValuePair<string, string>("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Utf8("shpss_secret"), body))), headers);
        Assert.Contains(new KeyValuePair<string, string>("X-Shopify-Webhook-Id", "wh-1"), headers);
    }
}
