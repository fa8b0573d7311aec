using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Server.Tests.Durability;

/// <summary>
/// The disk under the data directory fills up. The API and the ingest URL answer <c>503</c> with
/// <c>Retry-After</c> and <c>storage_full</c> (not a bare 500), reads keep working, nothing accepted
/// before is lost, and once space is freed the server carries on by itself: the refused requests
/// are accepted when retried and every accepted message is delivered.
/// </summary>
/// <remarks>
/// SQLite runs on a genuinely small filesystem — a tmpfs mounted for the test and filled with a
/// file — so the failure is the kernel's ENOSPC on a real write, as on a full disk. Mounting needs
/// root; the test fails with the reason rather than skipping where it cannot mount (see
/// <see cref="SmallFilesystem"/>). SQLite's <c>PRAGMA max_page_count</c> would give a portable
/// SQLITE_FULL but not a full disk (no WAL, no data-protection keys, no other file affected), so it
/// is not used. A full PostgreSQL disk cannot be made without owning the database server (the test
/// server is shared); PostgreSQL itself raises the genuine <c>53100 disk_full</c> error from a
/// trigger instead, which exercises the same driver error, store mapping and answers.
/// </remarks>
public sealed class FullDiskTests
{
    /// <summary>Under the default 1 MiB body limit; random, so nothing about it compresses.</summary>
    private const int BlobChars = 600_000;

    [Fact]
    public async Task SqliteDiskFull_Answers503StorageFull_RecoversWhenSpaceIsFreed()
    {
        using var disk = SmallFilesystem.Mount(sizeMiB: 48);
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        }, dataDirectory: Path.Combine(disk.Path, "data"));
        using var client = host.CreateAdminClient();
        using var provider = new HttpClient();
        var setup = await SetUpAsync(client, receiver);

        // Accepted before the disk fills: must survive and be delivered.
        var viaApi = new List<string>
        {
            (await client.PostJsonAsync("/api/v1/app/full/msg", Message(0)).ExpectAsync(HttpStatusCode.Accepted)).Str("id"),
        };
        var viaIngest = new List<string>();
        using (var first = await IngestAsync(provider, setup, "prov-0"))
        {
            viaIngest.Add((await first.ExpectAsync(HttpStatusCode.OK)).Str("messageId"));
        }

        disk.Fill();
        Assert.True(disk.FreeBytes < 64 * 1024, $"the filesystem should be full, {disk.FreeBytes} bytes free");

        // The database may still have room inside files it already grew (WAL frames, free pages):
        // large messages use it up, then the next one finds the disk full.
        string? refusedKey = null;
        for (var i = 1; i <= 40 && refusedKey is null; i++)
        {
            using var answer = await client.PostJsonAsync("/api/v1/app/full/msg", Message(i), idempotencyKey: $"full-{i}");
            if (answer.StatusCode == HttpStatusCode.Accepted)
            {
                viaApi.Add((await answer.ExpectAsync(HttpStatusCode.Accepted)).Str("id"));
                continue;
            }
            await ExpectStorageFullAsync(answer);
            refusedKey = $"full-{i}";
        }
        Assert.NotNull(refusedKey);

        string? refusedDelivery = null;
        for (var i = 1; i <= 10 && refusedDelivery is null; i++)
        {
            using var answer = await IngestAsync(provider, setup, $"prov-{i}");
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                viaIngest.Add((await answer.ExpectAsync(HttpStatusCode.OK)).Str("messageId"));
                continue;
            }
            await ExpectStorageFullAsync(answer);
            refusedDelivery = $"prov-{i}";
        }
        Assert.NotNull(refusedDelivery);

        // Reads need no room: the API still lists what was accepted, and the node stays ready (a full
        // disk must not take every node out of the load balancer at once).
        await client.GetAtAsync("/api/v1/app/full/msg?limit=1").ExpectAsync(HttpStatusCode.OK);
        using (var ready = await client.GetAtAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        disk.Free();

        // No restart: the refused requests, sent again as a client and a provider would, are accepted.
        var refusedIndex = int.Parse(refusedKey!["full-".Length..], CultureInfo.InvariantCulture);
        viaApi.Add((await client.PostJsonAsync("/api/v1/app/full/msg", Message(refusedIndex), idempotencyKey: refusedKey)
            .ExpectAsync(HttpStatusCode.Accepted)).Str("id"));
        using (var retried = await IngestAsync(provider, setup, refusedDelivery!))
        {
            var body = await retried.ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("accepted", body.Str("status"));
            viaIngest.Add(body.Str("messageId"));
        }
        var accepted = viaApi.Concat(viaIngest).ToList();

        // Everything accepted — before, during and after — is delivered, and the engine records the
        // attempts again (it was not left wedged by the failed writes).
        await Eventually.HoldsAsync(
            () => accepted.All(id => receiver.Requests.Any(r => r.Headers.TryGetValue("webhook-id", out var seen) && seen == id)),
            TimeSpan.FromSeconds(60),
            () => $"not delivered: {string.Join(", ", accepted.Where(id => !receiver.Requests.Any(r => r.Headers.TryGetValue("webhook-id", out var seen) && seen == id)))}");
        foreach (var id in viaApi)
        {
            await client.GetAtAsync($"/api/v1/app/full/msg/{id}").ExpectAsync(HttpStatusCode.OK);
        }
        await Eventually.HoldsAsync(async () =>
        {
            using var attempts = await client.GetAtAsync($"/api/v1/app/full/attempt/msg/{viaApi[0]}");
            var body = await attempts.ExpectAsync(HttpStatusCode.OK);
            return body.GetProperty("data").EnumerateArray().Any(a => a.GetProperty("status").GetInt32() == 0);
        }, TimeSpan.FromSeconds(60), "a recorded successful attempt for the first message");
    }

    [PostgresFact]
    public async Task PostgresDiskFull_Answers503StorageFull_RecoversWhenSpaceIsFreed()
    {
        PostgresFactAttribute.RequireConnectionString();
        await using var database = new PostgresTestDatabase();
        await database.EnsureCreatedAsync();
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:Storage:Provider"] = "postgres",
            ["Hookline:Storage:ConnectionString"] = database.ConnectionString,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        });
        using var client = host.CreateAdminClient();
        using var provider = new HttpClient();
        var setup = await SetUpAsync(client, receiver);

        // PostgreSQL raises 53100 disk_full itself (a trigger stands in for "could not extend file"):
        // first for attempt records, so the delivery engine meets it while sending a message accepted before.
        await database.ScalarAsync($"""
            CREATE FUNCTION {database.Schema}.disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
            CREATE TRIGGER disk_full BEFORE INSERT ON {database.Schema}.attempts FOR EACH ROW EXECUTE FUNCTION {database.Schema}.disk_full();
            """);
        var before = (await client.PostJsonAsync("/api/v1/app/full/msg", Message(0)).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        await Eventually.HoldsAsync(() => receiver.Requests.Any(r => r.Headers.GetValueOrDefault("webhook-id") == before), TimeSpan.FromSeconds(30), "the message accepted before");

        await database.ScalarAsync($"""
            CREATE TRIGGER disk_full BEFORE INSERT ON {database.Schema}.messages FOR EACH ROW EXECUTE FUNCTION {database.Schema}.disk_full();
            CREATE TRIGGER disk_full BEFORE INSERT ON {database.Schema}.ingest_requests FOR EACH ROW EXECUTE FUNCTION {database.Schema}.disk_full();
            """);
        using (var refused = await client.PostJsonAsync("/api/v1/app/full/msg", Message(1), idempotencyKey: "pg-full-1"))
        {
            await ExpectStorageFullAsync(refused);
        }
        using (var refused = await IngestAsync(provider, setup, "prov-1"))
        {
            await ExpectStorageFullAsync(refused);
        }
        await client.GetAtAsync("/api/v1/app/full/msg?limit=1").ExpectAsync(HttpStatusCode.OK);

        await database.ScalarAsync($"""
            DROP TRIGGER disk_full ON {database.Schema}.attempts;
            DROP TRIGGER disk_full ON {database.Schema}.messages;
            DROP TRIGGER disk_full ON {database.Schema}.ingest_requests;
            """);
        var retried = (await client.PostJsonAsync("/api/v1/app/full/msg", Message(1), idempotencyKey: "pg-full-1").ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        string ingested;
        using (var again = await IngestAsync(provider, setup, "prov-1"))
        {
            ingested = (await again.ExpectAsync(HttpStatusCode.OK)).Str("messageId");
        }
        await Eventually.HoldsAsync(
            () => new[] { retried, ingested }.All(id => receiver.Requests.Any(r => r.Headers.GetValueOrDefault("webhook-id") == id)),
            TimeSpan.FromSeconds(30), "the messages accepted after space was freed");
        // The attempt the engine could not record while the disk was full is recorded now.
        await Eventually.HoldsAsync(async () =>
        {
            using var attempts = await client.GetAtAsync($"/api/v1/app/full/attempt/msg/{before}");
            var body = await attempts.ExpectAsync(HttpStatusCode.OK);
            return body.GetProperty("data").EnumerateArray().Any(a => a.GetProperty("status").GetInt32() == 0);
        }, TimeSpan.FromSeconds(60), "a recorded successful attempt for the message accepted before");
    }

    [PostgresFact]
    public async Task DiskFillsAfterMessageCommitted_IdempotentCreateStillAnswers202()
    {
        PostgresFactAttribute.RequireConnectionString();
        await using var database = new PostgresTestDatabase();
        await database.EnsureCreatedAsync();
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:Storage:Provider"] = "postgres",
            ["Hookline:Storage:ConnectionString"] = database.ConnectionString,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        });
        using var client = host.CreateAdminClient();
        await SetUpAsync(client, receiver);

        // The message commits, then the disk is full when the idempotency layer records the answer.
        await database.ScalarAsync($"""
            CREATE FUNCTION {database.Schema}.disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
            CREATE TRIGGER disk_full BEFORE UPDATE ON {database.Schema}.idempotency_keys FOR EACH ROW EXECUTE FUNCTION {database.Schema}.disk_full();
            """);
        var id = (await client.PostJsonAsync("/api/v1/app/full/msg", Message(1), idempotencyKey: "late-full").ExpectAsync(HttpStatusCode.Accepted)).Str("id");

        // A 503 here would have made the client send an accepted message again.
        await client.GetAtAsync($"/api/v1/app/full/msg/{id}").ExpectAsync(HttpStatusCode.OK);
        await Eventually.HoldsAsync(() => receiver.Requests.Any(r => r.Headers.GetValueOrDefault("webhook-id") == id), TimeSpan.FromSeconds(30), "the accepted message");
    }

    private sealed record Setup(string IngestUrl, string Secret);

    private static async Task<Setup> SetUpAsync(HttpClient client, TestReceiver receiver)
    {
        await client.PostJsonAsync("/api/v1/app", new { name = "Full disk", uid = "full" }).ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/app/full/endpoint", new { url = receiver.Url("/hook") }).ExpectAsync(HttpStatusCode.Created);
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var source = await client.PostJsonAsync("/ingest/api/v1/source", new { name = "provider", uid = "provider", type = "svix", config = new { secret } })
            .ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/ingest/api/v1/source/{source.Str("id")}/endpoint", new { url = receiver.Url("/ingested") }).ExpectAsync(HttpStatusCode.Created);
        return new Setup(source.Str("ingestUrl"), secret);
    }

    private static object Message(int n) => new { eventType = "disk.test", payload = new { n, blob = Blob(n) } };

    private static string Blob(int n) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(BlobChars * 3 / 4)) + n;

    /// <summary>A provider's signed request; the same <paramref name="deliveryId"/> is the same delivery sent again.</summary>
    private static async Task<HttpResponseMessage> IngestAsync(HttpClient provider, Setup setup, string deliveryId)
    {
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "disk.test", id = deliveryId, blob = Blob(0) }));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(setup.IngestUrl)) { Content = new ByteArrayContent(body) };
        post.Content.Headers.ContentType = new("application/json");
        post.Headers.Add("webhook-id", deliveryId);
        post.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        post.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(deliveryId, timestamp, body, StandardWebhookSecret.Parse(setup.Secret)));
        return await provider.SendAsync(post);
    }

    internal static async Task ExpectStorageFullAsync(HttpResponseMessage answer)
    {
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"Expected 503 storage_full but got {(int)answer.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        Assert.Equal("storage_full", body.RootElement.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.String, body.RootElement.GetProperty("detail").ValueKind);
        Assert.Equal("30", answer.Headers.GetValues("Retry-After").Single());
    }
}
