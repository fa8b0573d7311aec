using System.Net;
using System.Text;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;
using NSec.Cryptography;
using static Hookline.Server.Tests.Ingest.Mac;

namespace Hookline.Server.Tests.Ingest;

/// <summary>The request log (every outcome, Svix's IngestLogOut shape plus Hookline's fields), one entry, replay, handshakes and the size limit.</summary>
public sealed class IngestLogTests(IngestFixture fixture) : IClassFixture<IngestFixture>
{
    private const string GitHubSecret = "log-test-secret";

    private static KeyValuePair<string, string>[] GitHubHeaders(byte[] body, string delivery, string secret = GitHubSecret) =>
    [
        new("X-Hub-Signature-256", "sha256=" + HexSha256(secret, body)),
        new("X-GitHub-Delivery", delivery),
        new("X-GitHub-Event", "push"),
        new("Authorization", "Bearer must-not-be-logged"),
    ];

    private static async Task<JsonElement> SendAsync(IngestSource source, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, HttpStatusCode expected)
    {
        using var response = await source.PostAsync(body, headers);
        return await response.ExpectAsync(expected);
    }

    [Fact]
    public async Task Log_RecordsEveryOutcome_WithSvixFieldsAndHooklineAdditions()
    {
        var source = await fixture.CreateSourceAsync("github", new { secret = GitHubSecret });
        var body = Utf8("{\"ref\":\"refs/heads/main\",\"note\":\"original\"}");
        var accepted = await SendAsync(source, body, GitHubHeaders(body, "d-1"), HttpStatusCode.OK);
        await SendAsync(source, body, GitHubHeaders(body, "d-1"), HttpStatusCode.OK);
        await SendAsync(source, body, GitHubHeaders(body, "d-2", "wrong"), HttpStatusCode.Unauthorized);
        using (var big = await source.PostAsync(new byte[70_000], GitHubHeaders(body, "d-3")))
        {
            await Task.FromResult(big).ExpectErrorAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        }
        await source.WaitForwardedAsync();

        var log = await ApiClientExtensions.EventuallyAsync(source.LogAsync,
            l => l.GetProperty("data").EnumerateArray().Any(e => e.TryGetProperty("forwarding", out var f) && f.ValueKind == JsonValueKind.Object && f.Str("status") == "delivered"));
        var entries = log.GetProperty("data").EnumerateArray().ToList();

        // Newest first.
        Assert.Equal(["too_large", "rejected", "duplicate", "accepted"], entries.Select(e => e.Str("outcome")));
        foreach (var entry in entries)
        {
            Assert.Matches("^log[A-Za-z0-9]{22}$", entry.Str("id"));
            Assert.Equal(source.Id, entry.Str("source_id"));
            Assert.Equal(JsonValueKind.String, entry.GetProperty("created_at").ValueKind);
            Assert.Equal(JsonValueKind.String, entry.GetProperty("updated_at").ValueKind);
            Assert.Equal(JsonValueKind.Object, entry.GetProperty("headers").ValueKind);
            Assert.False(entry.GetProperty("headers").TryGetProperty("Authorization", out _), "credentials must not be logged");
        }
        var (tooLarge, rejected, duplicate, first) = (entries[0], entries[1], entries[2], entries[3]);
        Assert.Equal(413, tooLarge.GetProperty("status_code").GetInt32());
        Assert.Contains("limit", tooLarge.Str("error_text"), StringComparison.Ordinal);
        Assert.Equal(401, rejected.GetProperty("status_code").GetInt32());
        Assert.StartsWith("NoMatchingSignature", rejected.Str("error_text"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, rejected.GetProperty("msg_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, rejected.GetProperty("forwarding").ValueKind);
        Assert.Equal(200, first.GetProperty("status_code").GetInt32());
        Assert.Equal("", first.Str("error_text"));
        Assert.Equal("id:d-1", first.Str("dedupe_key"));
        Assert.Equal(Encoding.UTF8.GetString(body), first.Str("payload"));
        Assert.Equal("utf-8", first.Str("payload_encoding"));
        Assert.Equal("push", first.GetProperty("headers").Str("X-GitHub-Event"));
        Assert.Equal(accepted.Str("messageId"), first.Str("msg_id"));
        Assert.Equal(accepted.Str("messageId"), duplicate.Str("msg_id"));
        var delivery = first.GetProperty("forwarding").GetProperty("deliveries")[0];
        Assert.Equal(source.EndpointId, delivery.Str("endpoint_id"));
        Assert.Equal("delivered", delivery.Str("status"));
        Assert.True(delivery.GetProperty("attempts").GetInt32() >= 1);

        var one = await fixture.Admin.GetAtAsync($"/ingest/api/v1/source/{source.Id}/log/{first.Str("id")}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first.Str("id"), one.Str("id"));
        await fixture.Admin.GetAtAsync($"/ingest/api/v1/source/{source.Id}/log/log0000000000000000000000").ExpectErrorAsync(HttpStatusCode.NotFound);

        var page = await fixture.Admin.GetAtAsync($"/ingest/api/v1/source/{source.Id}/log?limit=2").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, page.GetProperty("data").GetArrayLength());
        Assert.False(page.GetProperty("done").GetBoolean());
        var next = await fixture.Admin.GetAtAsync($"/ingest/api/v1/source/{source.Id}/log?limit=2&iterator={page.Str("iterator")}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["duplicate", "accepted"], next.GetProperty("data").EnumerateArray().Select(e => e.Str("outcome")));
    }

    [Fact]
    public async Task Replay_SendsTheStoredRequestAgain_ToEveryEndpointIncludingOnesAddedSince()
    {
        var source = await fixture.CreateSourceAsync("github", new { secret = GitHubSecret });
        var body = Utf8("{\"note\":\"original\",\"bytes\":\"\\u00e9\"}");
        var accepted = await SendAsync(source, body, GitHubHeaders(body, "replay-1"), HttpStatusCode.OK);
        await source.WaitForwardedAsync();
        var later = await fixture.Admin.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/endpoint", new { url = fixture.Receiver.Url(source.ReceiverPath + "-later") })
            .ExpectAsync(HttpStatusCode.Created);
        var entry = (await source.LogAsync()).GetProperty("data")[0];

        var replay = await fixture.Admin.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/log/{entry.Str("id")}/replay", null).ExpectAsync(HttpStatusCode.Accepted);

        Assert.Equal(accepted.Str("messageId"), replay.Str("msg_id"));
        Assert.Equal(2, replay.GetProperty("endpoint_ids").GetArrayLength());
        var again = await source.WaitForwardedAsync(2);
        Assert.Equal(2, again.Count);
        Assert.All(again, f => source.AssertForwardedIntact(f, body, accepted.Str("messageId")));
        var atLater = await ApiClientExtensions.EventuallyAsync(
            () => Task.FromResult(fixture.Receiver.At(source.ReceiverPath + "-later").ToList()), l => l.Count == 1);
        Assert.Equal(body, Assert.Single(atLater).Body);

        // Only to one endpoint when asked.
        await fixture.Admin.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/log/{entry.Str("id")}/replay", new { endpoint_id = later.Str("id") })
            .ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(2, await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(fixture.Receiver.At(source.ReceiverPath + "-later").Count()), c => c == 2));
        Assert.Equal(2, source.Forwarded.Count);
    }

    [Fact]
    public async Task Replay_RejectedRequest_Answers409_NothingSent()
    {
        var source = await fixture.CreateSourceAsync("github", new { secret = GitHubSecret });
        var body = Utf8("{\"note\":\"original\"}");
        await SendAsync(source, body, GitHubHeaders(body, "r-1", "wrong"), HttpStatusCode.Unauthorized);
        var entry = (await source.LogAsync()).GetProperty("data")[0];

        await fixture.Admin.PostJsonAsync($"/ingest/api/v1/source/{source.Id}/log/{entry.Str("id")}/replay", null).ExpectErrorAsync(HttpStatusCode.Conflict, "not_replayable");

        await Task.Delay(300);
        Assert.Empty(source.Forwarded);
    }

    [Fact]
    public async Task SlackUrlVerification_IsAnsweredWithTheChallenge_LoggedNotForwarded()
    {
        const string secret = "slack-signing-secret-for-log";
        var source = await fixture.CreateSourceAsync("slack", new { secret });
        var body = Utf8("{\"token\":\"Jhj5dZrVaK7ZwHHjRyZWjbDl\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\",\"type\":\"url_verification\"}");
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var response = await source.PostAsync(body, [new("X-Slack-Request-Timestamp", ts), new("X-Slack-Signature", "v0=" + HexSha256(secret, Concat($"v0:{ts}:", body)))]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", await response.Content.ReadAsStringAsync());
        Assert.Equal("handshake", (await source.LogAsync()).GetProperty("data")[0].Str("outcome"));
        await Task.Delay(300);
        Assert.Empty(source.Forwarded);
    }

    [Fact]
    public async Task ZoomUrlValidation_IsAnsweredWithTheEncryptedToken()
    {
        const string secret = "zoom-secret-token-for-log";
        var source = await fixture.CreateSourceAsync("zoom", new { secret });
        var body = Utf8("{\"payload\":{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\"},\"event_ts\":1654503849680,\"event\":\"endpoint.url_validation\"}");
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var response = await source.PostAsync(body, [new("x-zm-request-timestamp", ts), new("x-zm-signature", "v0=" + HexSha256(secret, Concat($"v0:{ts}:", body)))]);

        var answer = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("qgg8vlvZRS6UYooatFL8Aw", answer.Str("plainToken"));
        Assert.Equal(HexSha256(secret, Utf8("qgg8vlvZRS6UYooatFL8Aw")), answer.Str("encryptedToken"));
        await Task.Delay(300);
        Assert.Empty(source.Forwarded);
    }

    [Fact]
    public async Task TwitchCallbackVerification_IsAnsweredWithTheChallenge()
    {
        const string secret = "twitch-secret-for-log";
        var source = await fixture.CreateSourceAsync("twitch", new { secret });
        var body = Utf8("{\"challenge\":\"pogchamp-kappa-360noscope-vohiyo\",\"subscription\":{\"type\":\"channel.follow\"}}");
        var id = Guid.NewGuid().ToString();
        var ts = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

        using var response = await source.PostAsync(body,
        [
            new("Twitch-Eventsub-Message-Id", id), new("Twitch-Eventsub-Message-Timestamp", ts), new("Twitch-Eventsub-Message-Type", "webhook_callback_verification"),
            new("Twitch-Eventsub-Message-Signature", "sha256=" + HexSha256(secret, Concat(id, ts, body))),
        ]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pogchamp-kappa-360noscope-vohiyo", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DiscordPing_IsAnsweredWithPong()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var source = await fixture.CreateSourceAsync("discord", new { publicKey = Convert.ToHexStringLower(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)) });
        var body = Utf8("{\"id\":\"1\",\"type\":1,\"application_id\":\"2\"}");
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var response = await source.PostAsync(body,
            [new("X-Signature-Ed25519", Convert.ToHexStringLower(SignatureAlgorithm.Ed25519.Sign(key, Concat(ts, body)))), new("X-Signature-Timestamp", ts)]);

        var answer = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, answer.GetProperty("type").GetInt32());
    }
}
