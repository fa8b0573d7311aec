using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hookline.Receiver.AspNetCore.Tests.Infrastructure;
using Hookline.Signatures.StandardWebhooks;
using Hookline.Testing;
using static Hookline.Receiver.AspNetCore.Tests.Infrastructure.Webhooks;

namespace Hookline.Receiver.AspNetCore.Tests;

/// <summary>One receiver app mapping a webhook per scheme, shared by <see cref="SchemeTests"/>.</summary>
public sealed class SchemeApp : IAsyncLifetime
{
    public const string StripeSecret = "whsec_receiver_stripe_secret";
    public const string GitHubSecret = "octo receiver secret ☃";
    public const string SvixSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string ShopifySecret = "shopify-app-secret";
    public const string SlackSecret = "slack-signing-secret";
    public const string TwilioToken = "twilio_auth_token_1";
    public const string ZoomSecret = "zoom-secret-token";

    public ReceiverApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await ReceiverApp.StartAsync(app =>
        {
            void Map(string path, string type, string secret) =>
                app.MapWebhook(path, type, o => o.Secret = secret).Handle((WebhookEvent e, HandlerProbe probe) => probe.Record(e));
            Map("/webhooks/stripe", "stripe", StripeSecret);
            Map("/webhooks/github", "github", GitHubSecret);
            Map("/webhooks/svix", "svix", SvixSecret);
            Map("/webhooks/standard", "standard-webhooks", SvixSecret);
            Map("/webhooks/shopify", "shopify", ShopifySecret);
            Map("/webhooks/slack", "slack", SlackSecret);
            Map("/webhooks/twilio", "twilio", TwilioToken);
            Map("/webhooks/zoom", "zoom", ZoomSecret);
            app.MapWebhook("/webhooks/stripe-wide", "stripe", o =>
            {
                o.Secret = StripeSecret;
                o.Config["toleranceSeconds"] = "7200";
            }).Handle((WebhookEvent e, HandlerProbe probe) => probe.Record(e));
        });
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// For each scheme: a request signed by an independent implementation (the provider's npm package,
/// a NuGet package, or the documented recipe computed here with plain HMAC) is accepted by
/// MapWebhook and runs the handler; tampered bodies, wrong secrets and stale timestamps get 401 with
/// a reason; a replay is acknowledged and not run again; handshakes are answered, not stored.
/// </summary>
public sealed class SchemeTests : IClassFixture<SchemeApp>
{
    private readonly ReceiverApp _app;

    public SchemeTests(SchemeApp fixture) => _app = fixture.App;

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N");

    private async Task<HandlerRun> RunOfAsync(string deliveryId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_app.Probe.Runs.FirstOrDefault(r => r.DeliveryId == deliveryId) is { } run)
            {
                return run;
            }
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException($"the handler never ran for {deliveryId}");
    }

    /// <summary>Waits a little longer than a handler run takes, then counts runs of a delivery.</summary>
    private async Task<int> SettledRunCountAsync(string deliveryId)
    {
        await Task.Delay(300);
        return _app.Probe.Runs.Count(r => r.DeliveryId == deliveryId);
    }

    private static byte[] StripeEvent(string id) => Utf8("{\"id\":\"" + id + "\",\"object\":\"event\",\"type\":\"charge.succeeded\",\"data\":{\"object\":{\"amount\":4200,\"note\":\"héllo ☃\"}}}");

    [SkippableFact]
    public async Task MapWebhook_StripeSignedByStripeNpm_AcceptedAndHandlerGetsEventIdAndBody()
    {
        var id = NewId("evt_");
        var body = StripeEvent(id);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signed = await NodeOracle.RunAsync("stripe.mjs", new { op = "sign", secret = SchemeApp.StripeSecret, timestamp, body = B64(body) });

        var duplicate = await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", (string)signed["header"]!)));

        Assert.False(duplicate);
        var run = await RunOfAsync(id);
        Assert.Equal(Encoding.UTF8.GetString(body), run.Body);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(timestamp), run.Timestamp);
        Assert.Equal("/webhooks/stripe", run.Webhook);
        Assert.Equal(1, run.Attempt);
    }

    [Fact]
    public async Task MapWebhook_StripeSignedByStripeNet_Accepted()
    {
        var id = NewId("evt_");
        var body = StripeEvent(id);
        var header = Stripe.EventUtility.GenerateSignatureHeader(Encoding.UTF8.GetString(body), SchemeApp.StripeSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", header))));

        await RunOfAsync(id);
    }

    [Fact]
    public async Task MapWebhook_StripeReplayedSameEvent_AcknowledgedButHandlerRunsOnce()
    {
        var id = NewId("evt_");
        var body = StripeEvent(id);
        var header = Stripe.EventUtility.GenerateSignatureHeader(Encoding.UTF8.GetString(body), SchemeApp.StripeSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", header))));
        await RunOfAsync(id);
        Assert.True(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", header))));

        Assert.Equal(1, await SettledRunCountAsync(id));
    }

    [Fact]
    public async Task MapWebhook_StripeTamperedBody_RejectedWithNoMatchingSignature()
    {
        var body = StripeEvent(NewId("evt_"));
        var header = Stripe.EventUtility.GenerateSignatureHeader(Encoding.UTF8.GetString(body), SchemeApp.StripeSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        body[^3] ^= 1;

        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", header)), "no_matching_signature");
    }

    [Fact]
    public async Task MapWebhook_StripeWrongSecret_RejectedWithNoMatchingSignature()
    {
        var body = StripeEvent(NewId("evt_"));
        var header = Stripe.EventUtility.GenerateSignatureHeader(Encoding.UTF8.GetString(body), "whsec_someone_else", DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", header)), "no_matching_signature");
    }

    [SkippableFact]
    public async Task MapWebhook_StripeStaleTimestamp_RejectedWithTimestampTooOld()
    {
        var body = StripeEvent(NewId("evt_"));
        var signed = await NodeOracle.RunAsync("stripe.mjs", new { op = "sign", secret = SchemeApp.StripeSecret, timestamp = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), body = B64(body) });

        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", (string)signed["header"]!)), "timestamp_too_old");
    }

    [Fact]
    public async Task MapWebhook_StripeToleranceFromConfig_AcceptsOlderTimestamp()
    {
        var id = NewId("evt_");
        var body = StripeEvent(id);
        var header = Stripe.EventUtility.GenerateSignatureHeader(Encoding.UTF8.GetString(body), SchemeApp.StripeSecret, DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/stripe-wide", body, ("Stripe-Signature", header))));
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", header)), "timestamp_too_old");
        await RunOfAsync(id);
    }

    [Fact]
    public async Task MapWebhook_StripeMissingSignature_RejectedWithMissingHeader()
    {
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/stripe", StripeEvent("evt_x")), "missing_header");
    }

    [SkippableFact]
    public async Task MapWebhook_GitHubSignedByOctokit_AcceptedWithDeliveryHeaderAsId()
    {
        var delivery = Guid.NewGuid().ToString();
        var body = Utf8("{\"action\":\"opened\",\"number\":42,\"title\":\"héllo\"}");
        var signed = await NodeOracle.RunAsync("octokit.mjs", new { op = "sign", secret = SchemeApp.GitHubSecret, body = B64(body) });

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/github", body,
            ("X-Hub-Signature-256", (string)signed["signature"]!), ("X-GitHub-Delivery", delivery), ("X-GitHub-Event", "pull_request"))));

        var run = await RunOfAsync(delivery);
        Assert.Null(run.Timestamp);
    }

    [SkippableFact]
    public async Task MapWebhook_GitHubTamperedOrWrongSecret_Rejected()
    {
        var body = Utf8("{\"action\":\"closed\"}");
        var signed = await NodeOracle.RunAsync("octokit.mjs", new { op = "sign", secret = SchemeApp.GitHubSecret, body = B64(body) });
        var wrong = await NodeOracle.RunAsync("octokit.mjs", new { op = "sign", secret = "not the secret", body = B64(body) });

        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/github", Utf8("{\"action\":\"opened\"}"),
            ("X-Hub-Signature-256", (string)signed["signature"]!), ("X-GitHub-Delivery", Guid.NewGuid().ToString())), "no_matching_signature");
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/github", body,
            ("X-Hub-Signature-256", (string)wrong["signature"]!), ("X-GitHub-Delivery", Guid.NewGuid().ToString())), "no_matching_signature");
    }

    [SkippableTheory]
    [InlineData("standardwebhooks.mjs", "/webhooks/standard", "webhook")]
    [InlineData("svix.mjs", "/webhooks/svix", "svix")]
    public async Task MapWebhook_StandardWebhooksSignedByNpm_AcceptedWithWebhookIdAsDeliveryId(string script, string path, string prefix)
    {
        var id = NewId("msg_");
        var body = Utf8("{\"type\":\"invoice.paid\",\"data\":{\"n\":1}}");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signed = await NodeOracle.RunAsync(script, new { op = "sign", secret = SchemeApp.SvixSecret, id, timestamp, body = B64(body) });

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync(path, body,
            ($"{prefix}-id", id), ($"{prefix}-timestamp", timestamp.ToString(CultureInfo.InvariantCulture)), ($"{prefix}-signature", (string)signed["signature"]!))));

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(timestamp), (await RunOfAsync(id)).Timestamp);
    }

    [Fact]
    public async Task MapWebhook_StandardWebhooksSignedByNuGetPackage_AcceptedAndReplayRunsOnce()
    {
        var id = NewId("msg_");
        const string payload = "{\"type\":\"user.created\"}";
        var now = DateTimeOffset.UtcNow;
        var signature = new global::StandardWebhooks.StandardWebhook(SchemeApp.SvixSecret).Sign(id, now, payload);
        (string, string)[] headers = [("webhook-id", id), ("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)), ("webhook-signature", signature)];

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/svix", Utf8(payload), headers)));
        Assert.True(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/svix", Utf8(payload), headers)));

        await RunOfAsync(id);
        Assert.Equal(1, await SettledRunCountAsync(id));
    }

    [Fact]
    public async Task MapWebhook_StandardWebhooksStaleTamperedOrWrongSecret_Rejected()
    {
        const string payload = "{\"type\":\"user.created\"}";
        var stale = DateTimeOffset.UtcNow.AddMinutes(-10);
        var ours = new global::StandardWebhooks.StandardWebhook(SchemeApp.SvixSecret);
        using var otherSecret = StandardWebhookSecret.GenerateSymmetric();
        var theirs = new global::StandardWebhooks.StandardWebhook(otherSecret.Export());
        var now = DateTimeOffset.UtcNow;
        (string, string)[] Headers(string id, DateTimeOffset at, string signature) =>
            [("webhook-id", id), ("webhook-timestamp", at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)), ("webhook-signature", signature)];

        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/svix", Utf8(payload), Headers("msg_1", stale, ours.Sign("msg_1", stale, payload))), "timestamp_too_old");
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/svix", Utf8(payload + " "), Headers("msg_2", now, ours.Sign("msg_2", now, payload))), "no_matching_signature");
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/svix", Utf8(payload), Headers("msg_3", now, theirs.Sign("msg_3", now, payload))), "no_matching_signature");
    }

    [SkippableFact]
    public async Task MapWebhook_TwilioFormSignedByTwilioNpm_AcceptedAgainstTheRequestUrl()
    {
        var idempotency = NewId("idem-");
        var url = _app.Url("/webhooks/twilio").AbsoluteUri;
        var parameters = new Dictionary<string, string> { ["From"] = "+15551234", ["Body"] = "héllo wörld", ["MessageSid"] = "SM" + idempotency };
        var signed = await NodeOracle.RunAsync("twilio.mjs", new { op = "sign", token = SchemeApp.TwilioToken, url, @params = parameters });
        var form = await new FormUrlEncodedContent(parameters).ReadAsByteArrayAsync();

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/twilio", form,
            [new("X-Twilio-Signature", (string)signed["signature"]!), new("I-Twilio-Idempotency-Token", idempotency)], "application/x-www-form-urlencoded")));

        await RunOfAsync(idempotency);
        var other = await NodeOracle.RunAsync("twilio.mjs", new { op = "sign", token = "another_token", url, @params = parameters });
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/twilio", form,
            [new("X-Twilio-Signature", (string)other["signature"]!)], "application/x-www-form-urlencoded"), "no_matching_signature");
    }

    [Fact]
    public async Task MapWebhook_ShopifyIndependentHmac_AcceptedWithWebhookIdAndTamperRejected()
    {
        var id = NewId("shop-");
        var body = Utf8("{\"id\":820982911946154508,\"email\":\"jon@example.com\"}");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Utf8(SchemeApp.ShopifySecret), body));

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/shopify", body, ("X-Shopify-Hmac-Sha256", signature), ("X-Shopify-Webhook-Id", id))));
        await RunOfAsync(id);

        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/shopify", Utf8("{\"id\":1}"), ("X-Shopify-Hmac-Sha256", signature), ("X-Shopify-Webhook-Id", id)), "no_matching_signature");
    }

    [Fact]
    public async Task MapWebhook_NoDeliveryIdInScheme_DeduplicatesOnBodyHash()
    {
        var body = Utf8($"{{\"id\":\"{Guid.NewGuid():N}\"}}");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Utf8(SchemeApp.ShopifySecret), body));
        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/shopify", body, ("X-Shopify-Hmac-Sha256", signature))));
        Assert.True(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/shopify", body, ("X-Shopify-Hmac-Sha256", signature))));

        await RunOfAsync(expected);
        Assert.Equal(1, await SettledRunCountAsync(expected));
    }

    private static string SlackSignature(string timestamp, byte[] body, string secret = SchemeApp.SlackSecret) =>
        "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Utf8(secret), Utf8($"v0:{timestamp}:").Concat(body).ToArray()));

    [Fact]
    public async Task MapWebhook_SlackIndependentHmac_AcceptedAndStaleOrWrongSecretRejected()
    {
        var body = Utf8($"{{\"type\":\"event_callback\",\"event_id\":\"{NewId("Ev")}\"}}");
        var now = Now;
        var stale = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        Assert.False(await AssertAcceptedAsync(await _app.Client.PostAsync("/webhooks/slack", body, ("X-Slack-Signature", SlackSignature(now, body)), ("X-Slack-Request-Timestamp", now))));
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/slack", body, ("X-Slack-Signature", SlackSignature(stale, body)), ("X-Slack-Request-Timestamp", stale)), "timestamp_too_old");
        await AssertRejectedAsync(await _app.Client.PostAsync("/webhooks/slack", body, ("X-Slack-Signature", SlackSignature(now, body, "other-secret")), ("X-Slack-Request-Timestamp", now)), "no_matching_signature");
    }

    [Fact]
    public async Task MapWebhook_SlackUrlVerification_AnswersChallengeWithoutStoringOrRunning()
    {
        var challenge = NewId("challenge");
        var body = Utf8($"{{\"token\":\"t\",\"challenge\":\"{challenge}\",\"type\":\"url_verification\"}}");
        var now = Now;
        var before = await _app.Inbox.CountAsync("/webhooks/slack");

        var response = await _app.Client.PostAsync("/webhooks/slack", body, ("X-Slack-Signature", SlackSignature(now, body)), ("X-Slack-Request-Timestamp", now));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(challenge, await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await _app.Inbox.CountAsync("/webhooks/slack"));
    }

    [Fact]
    public async Task MapWebhook_ZoomUrlValidation_AnswersEncryptedToken()
    {
        var body = Utf8("{\"payload\":{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\"},\"event_ts\":1654503849680,\"event\":\"endpoint.url_validation\"}");
        var now = Now;
        var signature = "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Utf8(SchemeApp.ZoomSecret), Utf8($"v0:{now}:").Concat(body).ToArray()));

        var response = await _app.Client.PostAsync("/webhooks/zoom", body, ("x-zm-signature", signature), ("x-zm-request-timestamp", now));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Utf8(SchemeApp.ZoomSecret), Utf8("qgg8vlvZRS6UYooatFL8Aw")));
        Assert.Equal($"{{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\",\"encryptedToken\":\"{expected}\"}}", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task MapWebhook_ConcurrentIdenticalDeliveries_ExactlyOneHandlerRun()
    {
        var id = NewId("evt_");
        var body = StripeEvent(id);
        var header = Stripe.EventUtility.GenerateSignatureHeader(Encoding.UTF8.GetString(body), SchemeApp.StripeSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => _app.Client.PostAsync("/webhooks/stripe", body, ("Stripe-Signature", header)))));

        var duplicates = await Task.WhenAll(responses.Select(AssertAcceptedAsync));
        Assert.Single(duplicates, d => !d);
        await RunOfAsync(id);
        Assert.Equal(1, await SettledRunCountAsync(id));
    }
}
