using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NSec.Cryptography;
using static Hookline.Server.Tests.Ingest.Mac;

namespace Hookline.Server.Tests.Ingest;

/// <summary>A provider request ready to post: body, headers, content type and query.</summary>
public sealed record SignedRequest(byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers, string ContentType = "application/json", string? Query = null)
{
    /// <summary>The same headers over a body with <c>original</c> changed to <c>tampered</c>: what an attacker or a meddling proxy sends.</summary>
    public SignedRequest Tampered()
    {
        var text = Encoding.UTF8.GetString(Body);
        Assert.Contains("original", text, StringComparison.Ordinal);
        return this with { Body = Encoding.UTF8.GetBytes(text.Replace("original", "tampered", StringComparison.Ordinal)) };
    }
}

/// <summary>What a signer is asked for: the request's delivery id, its time, and the secret (or private key) to sign with.</summary>
public sealed record SignContext(string DeliveryId, DateTimeOffset At, string Secret, string IngestUrl);

/// <summary>
/// One verification scheme as its provider signs it, computed independently of Hookline.Signatures:
/// with the provider's SDK where there is one on npm (Stripe, GitHub/Octokit, Svix, Standard
/// Webhooks, Twilio), otherwise with plain HMAC / ECDSA / Ed25519 from the test.
/// </summary>
public sealed record ProviderScheme(
    string Type,
    Func<string, object> Config,
    string Secret,
    string WrongSecret,
    Func<SignContext, Task<SignedRequest>> SignAsync,
    bool HasTimestamp,
    bool BodySigned = true,
    bool NeedsNode = false)
{
    public override string ToString() => Type;

    /// <summary>Every scheme by the name a source uses.</summary>
    public static IReadOnlyDictionary<string, ProviderScheme> All { get; } = Build().ToDictionary(s => s.Type, StringComparer.Ordinal);

    private static string Unix(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static List<KeyValuePair<string, string>> H(params (string Name, string Value)[] headers) => headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).ToList();

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static object SecretOnly(string secret) => new { secret };

    /// <summary>Signs with the provider's npm SDK; an oracle that answers with an error fails the test here, not at a missing header.</summary>
    private static async Task<JsonNode> SignWithSdkAsync(string script, object input)
    {
        var signed = await NodeOracle.RunAsync(script, input);
        Assert.True(signed["error"] is null, $"oracle {script} failed: {signed["error"]}");
        return signed;
    }

    private static string NewWhsec() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static IEnumerable<ProviderScheme> Build()
    {
        var svixSecret = NewWhsec();
        var svixWrong = NewWhsec();

        yield return new("stripe", SecretOnly, "whsec_stripe_test_secret_1", "whsec_stripe_test_secret_2", async c =>
        {
            var body = Json(new { id = "evt_" + c.DeliveryId, @object = "event", type = "charge.succeeded", data = new { @object = new { note = "original", amount = 4200 } } });
            var signed = await SignWithSdkAsync("stripe.mjs", new { op = "sign", secret = c.Secret, timestamp = c.At.ToUnixTimeSeconds(), body = Convert.ToBase64String(body) });
            return new SignedRequest(body, H(("Stripe-Signature", (string)signed["header"]!)));
        }, HasTimestamp: true, NeedsNode: true);

        yield return new("github", SecretOnly, "github-secret-one", "github-secret-two", async c =>
        {
            var body = Json(new { action = "opened", note = "original", repository = new { full_name = "octo/repo" } });
            var signed = await SignWithSdkAsync("octokit.mjs", new { op = "sign", secret = c.Secret, body = Convert.ToBase64String(body) });
            return new SignedRequest(body, H(("X-Hub-Signature-256", (string)signed["signature"]!), ("X-GitHub-Delivery", c.DeliveryId), ("X-GitHub-Event", "issues")));
        }, HasTimestamp: false, NeedsNode: true);

        foreach (var type in new[] { "svix", "clerk" })
        {
            yield return new(type, SecretOnly, svixSecret, svixWrong, async c =>
            {
                var body = Json(new { type = "user.created", data = new { note = "original" } });
                var id = "msg_" + c.DeliveryId;
                var signed = await SignWithSdkAsync("svix.mjs", new { op = "sign", secret = c.Secret, id, timestamp = c.At.ToUnixTimeSeconds(), body = Convert.ToBase64String(body) });
                return new SignedRequest(body, H(("svix-id", id), ("svix-timestamp", Unix(c.At)), ("svix-signature", (string)signed["signature"]!)));
            }, HasTimestamp: true, NeedsNode: true);
        }

        yield return new("standard-webhooks", SecretOnly, svixSecret, svixWrong, async c =>
        {
            var body = Json(new { type = "invoice.paid", data = new { note = "original" } });
            var id = "msg_" + c.DeliveryId;
            var signed = await SignWithSdkAsync("standardwebhooks.mjs", new { op = "sign", secret = c.Secret, id, timestamp = c.At.ToUnixTimeSeconds(), body = Convert.ToBase64String(body) });
            return new SignedRequest(body, H(("webhook-id", id), ("webhook-timestamp", Unix(c.At)), ("webhook-signature", (string)signed["signature"]!)));
        }, HasTimestamp: true, NeedsNode: true);

        yield return new("twilio", SecretOnly, "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", async c =>
        {
            var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
                ["Body"] = "original message",
                ["From"] = "+15005550006",
                ["MessageSid"] = "SM" + c.DeliveryId,
            };
            var signed = await SignWithSdkAsync("twilio.mjs", new { op = "sign", token = c.Secret, url = c.IngestUrl, @params = parameters });
            var body = Utf8(string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}")));
            return new SignedRequest(body, H(("X-Twilio-Signature", (string)signed["signature"]!), ("I-Twilio-Idempotency-Token", c.DeliveryId)), "application/x-www-form-urlencoded");
        }, HasTimestamp: false, NeedsNode: true);

        yield return new("shopify", SecretOnly, "shpss_shopify_secret_one", "shpss_shopify_secret_two", c =>
        {
            var body = Json(new { id = 820982911946154508L, note = "original" });
            return Task.FromResult(new SignedRequest(body, H(("X-Shopify-Hmac-Sha256", Base64Sha256(c.Secret, body)), ("X-Shopify-Webhook-Id", c.DeliveryId), ("X-Shopify-Topic", "orders/create"))));
        }, HasTimestamp: false);

        yield return new("slack", SecretOnly, "8f742231b10e8888abcd99yyyzzz85a5", "8f742231b10e8888abcd99yyyzzz85a6", c =>
        {
            var body = Json(new { type = "event_callback", event_id = "Ev" + c.DeliveryId, @event = new { type = "message", text = "original" } });
            var ts = Unix(c.At);
            return Task.FromResult(new SignedRequest(body, H(("X-Slack-Request-Timestamp", ts), ("X-Slack-Signature", "v0=" + HexSha256(c.Secret, Concat($"v0:{ts}:", body))))));
        }, HasTimestamp: true);

        yield return new("zoom", SecretOnly, "zoom-secret-token-one", "zoom-secret-token-two", c =>
        {
            var body = Json(new { @event = "meeting.started", event_ts = c.At.ToUnixTimeMilliseconds(), payload = new { note = "original", id = c.DeliveryId } });
            var ts = Unix(c.At);
            return Task.FromResult(new SignedRequest(body, H(("x-zm-request-timestamp", ts), ("x-zm-signature", "v0=" + HexSha256(c.Secret, Concat($"v0:{ts}:", body))))));
        }, HasTimestamp: true);

        yield return new("paddle", SecretOnly, "pdl_ntfset_secret_one", "pdl_ntfset_secret_two", c =>
        {
            var body = Json(new { event_id = "evt_" + c.DeliveryId, event_type = "transaction.completed", data = new { note = "original" } });
            var ts = Unix(c.At);
            return Task.FromResult(new SignedRequest(body, H(("Paddle-Signature", $"ts={ts};h1={HexSha256(c.Secret, Concat($"{ts}:", body))}"))));
        }, HasTimestamp: true);

        yield return new("square", SecretOnly, "square-signature-key-one", "square-signature-key-two", c =>
        {
            var body = Json(new { merchant_id = "M1", type = "payment.created", event_id = c.DeliveryId, data = new { note = "original" } });
            return Task.FromResult(new SignedRequest(body, H(("x-square-hmacsha256-signature", Base64Sha256(c.Secret, Concat(c.IngestUrl, body))))));
        }, HasTimestamp: false);

        yield return new("mailgun", SecretOnly, "key-mailgun-signing-one", "key-mailgun-signing-two", c =>
        {
            var ts = Unix(c.At);
            var body = Json(new Dictionary<string, object>
            {
                ["signature"] = new { timestamp = ts, token = c.DeliveryId, signature = HexSha256(c.Secret, Utf8(ts + c.DeliveryId)) },
                ["event-data"] = new { @event = "delivered", note = "original" },
            });
            return Task.FromResult(new SignedRequest(body, []));
        }, HasTimestamp: true, BodySigned: false);

        yield return new("discord", secret => new { publicKey = DiscordPublicKey(secret), toleranceSeconds = 300 }, NewEd25519Seed(), NewEd25519Seed(), c =>
        {
            var body = Json(new { id = c.DeliveryId, type = 2, data = new { name = "original" } });
            var ts = Unix(c.At);
            using var key = Key.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(c.Secret), KeyBlobFormat.RawPrivateKey);
            var signature = SignatureAlgorithm.Ed25519.Sign(key, Concat(ts, body));
            return Task.FromResult(new SignedRequest(body, H(("X-Signature-Ed25519", Convert.ToHexStringLower(signature)), ("X-Signature-Timestamp", ts))));
        }, HasTimestamp: true);

        yield return new("twitch", SecretOnly, "twitch-eventsub-secret-one", "twitch-eventsub-secret-two", c =>
        {
            var body = Json(new { subscription = new { type = "channel.follow" }, @event = new { user_name = "original" } });
            var ts = c.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            return Task.FromResult(new SignedRequest(body, H(
                ("Twitch-Eventsub-Message-Id", c.DeliveryId), ("Twitch-Eventsub-Message-Timestamp", ts), ("Twitch-Eventsub-Message-Type", "notification"),
                ("Twitch-Eventsub-Subscription-Type", "channel.follow"),
                ("Twitch-Eventsub-Message-Signature", "sha256=" + HexSha256(c.Secret, Concat(c.DeliveryId, ts, body))))));
        }, HasTimestamp: true);

        yield return new("linear", SecretOnly, "lin_wh_secret_one", "lin_wh_secret_two", c =>
        {
            var body = Json(new { action = "create", type = "Issue", data = new { title = "original" }, webhookTimestamp = c.At.ToUnixTimeMilliseconds() });
            return Task.FromResult(new SignedRequest(body, H(("Linear-Signature", HexSha256(c.Secret, body)), ("Linear-Delivery", c.DeliveryId), ("Linear-Event", "Issue"))));
        }, HasTimestamp: true);

        yield return new("sendgrid", secret => new { publicKey = SendGridPublicKey(secret), toleranceSeconds = 300 }, NewP256(), NewP256(), c =>
        {
            var body = Json(new[] { new { email = "a@example.com", @event = "delivered", sg_event_id = c.DeliveryId, note = "original" } });
            var ts = Unix(c.At);
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(c.Secret), out _);
            var signature = ecdsa.SignData(Concat(ts, body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            return Task.FromResult(new SignedRequest(body, H(("X-Twilio-Email-Event-Webhook-Signature", Convert.ToBase64String(signature)), ("X-Twilio-Email-Event-Webhook-Timestamp", ts))));
        }, HasTimestamp: true);

        yield return new("gitlab", SecretOnly, "gitlab-secret-token-one", "gitlab-secret-token-two", c =>
        {
            var body = Json(new { object_kind = "push", note = "original" });
            return Task.FromResult(new SignedRequest(body, H(("X-Gitlab-Token", c.Secret), ("Idempotency-Key", c.DeliveryId), ("X-Gitlab-Event", "Push Hook"))));
        }, HasTimestamp: false, BodySigned: false);

        yield return new("intercom", SecretOnly, "intercom-client-secret-one", "intercom-client-secret-two", c =>
        {
            var body = Json(new { type = "notification_event", id = "notif_" + c.DeliveryId, topic = "conversation.user.created", data = new { note = "original" } });
            return Task.FromResult(new SignedRequest(body, H(("X-Hub-Signature", "sha1=" + HexSha1(c.Secret, body)))));
        }, HasTimestamp: false);

        yield return new("bitbucket", SecretOnly, "bitbucket-secret-one", "bitbucket-secret-two", c =>
        {
            var body = Json(new { push = new { note = "original" } });
            return Task.FromResult(new SignedRequest(body, H(("X-Hub-Signature", "sha256=" + HexSha256(c.Secret, body)), ("X-Request-UUID", c.DeliveryId), ("X-Event-Key", "repo:push"))));
        }, HasTimestamp: false);

        yield return new("hmac", secret => new { secret, header = "X-Acme-Signature", prefix = "sha256=", template = "{id}.{timestamp}.{body}", idHeader = "X-Acme-Id", timestampHeader = "X-Acme-Timestamp" },
            "acme-shared-secret-one", "acme-shared-secret-two", c =>
            {
                var body = Json(new { kind = "thing.happened", note = "original" });
                var ts = Unix(c.At);
                return Task.FromResult(new SignedRequest(body, H(("X-Acme-Id", c.DeliveryId), ("X-Acme-Timestamp", ts), ("X-Acme-Signature", "sha256=" + HexSha256(c.Secret, Concat($"{c.DeliveryId}.{ts}.", body))))));
            }, HasTimestamp: true);
    }

    private static string NewEd25519Seed() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static string DiscordPublicKey(string seedHex)
    {
        using var key = Key.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(seedHex), KeyBlobFormat.RawPrivateKey);
        return Convert.ToHexStringLower(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    private static string NewP256()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Convert.ToBase64String(ecdsa.ExportPkcs8PrivateKey());
    }

    private static string SendGridPublicKey(string pkcs8)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(pkcs8), out _);
        return Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo());
    }
}
