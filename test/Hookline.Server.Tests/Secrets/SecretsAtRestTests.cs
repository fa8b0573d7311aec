using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Core.Storage.Sql;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;
using Hookline.Storage.Postgres;
using Hookline.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;

namespace Hookline.Server.Tests.Secrets;

/// <summary>
/// Secrets sealed at rest (docs/security.md), on both stores: the raw database — SQLite's file and
/// write-ahead log as bytes, PostgreSQL's rows as text — holds no endpoint secret, header value,
/// source secret or ingest token in clear, while the API, delivery signing and ingest verification
/// work as before.
/// </summary>
public sealed class SecretsAtRestTests : IAsyncLifetime
{
    private PostgresTestDatabase? _database;

    public async Task InitializeAsync()
    {
        if (PostgresFactAttribute.ConnectionString is null)
        {
            return;
        }
        _database = new PostgresTestDatabase();
        await _database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private Dictionary<string, string?> PostgresSettings() => new()
    {
        ["Hookline:Storage:Provider"] = "postgres",
        ["Hookline:Storage:ConnectionString"] = _database!.ConnectionString,
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
    };

    private static Dictionary<string, string?> SqliteSettings() => new()
    {
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
    };

    [Fact]
    public async Task RawDatabase_Sqlite_HoldsNoSecretInClear_WhileApiDeliveryAndIngestWork()
    {
        await using var host = await HooklineHost.StartAsync(SqliteSettings());
        var secrets = await ExerciseAsync(host);
        AssertNoneIn(ReadSqliteFiles(host.DataDirectory), secrets);
    }

    [PostgresFact]
    public async Task RawDatabase_Postgres_HoldsNoSecretInClear_WhileApiDeliveryAndIngestWork()
    {
        PostgresFactAttribute.RequireConnectionString();
        await using var host = await HooklineHost.StartAsync(PostgresSettings());
        var secrets = await ExerciseAsync(host);
        AssertNoneIn(await ReadPostgresRowsAsync(_database!.ConnectionString), secrets);
    }

    [Fact]
    public async Task ClearRows_Sqlite_AreSealedAtStart_AndReadBackUnchanged()
    {
        using var directory = TemporaryDirectory.Create("hookline-secrets");
        SeededRows seeded;
        using (var store = SqliteHooklineStore.ForDirectory(directory.Path, TimeProvider.System))
        {
            seeded = await SeedClearRowsAsync(store);
        }
        Assert.Contains(seeded.Token, ReadSqliteFiles(directory.Path), StringComparison.Ordinal);

        await using var host = await HooklineHost.StartAsync(SqliteSettings(), directory.Path);
        await AssertSeededReadBackAsync(host, seeded);
        AssertNoneIn(ReadSqliteFiles(directory.Path), seeded.All);
    }

    [PostgresFact]
    public async Task ClearRows_Postgres_AreSealedAtStart_AndReadBackUnchanged()
    {
        PostgresFactAttribute.RequireConnectionString();
        SeededRows seeded;
        await using (var store = new PostgresHooklineStore(_database!.ConnectionString, TimeProvider.System))
        {
            seeded = await SeedClearRowsAsync(store);
        }
        Assert.Contains(seeded.Token, await ReadPostgresRowsAsync(_database.ConnectionString), StringComparison.Ordinal);

        await using (var host = await HooklineHost.StartAsync(PostgresSettings()))
        {
            await AssertSeededReadBackAsync(host, seeded);
        }
        AssertNoneIn(await ReadPostgresRowsAsync(_database.ConnectionString), seeded.All);

        // Idempotent: a second start finds nothing to seal and reads the same values.
        await using var again = await HooklineHost.StartAsync(PostgresSettings());
        await AssertSeededReadBackAsync(again, seeded);
    }

    [Fact]
    public async Task KeyRotation_Sqlite_RowSealedUnderTheOldKeyStillReads_AfterANewDefaultKey()
    {
        using var directory = TemporaryDirectory.Create("hookline-secrets");
        var (oldSecret, newSecret) = (NewEndpointSecret(), NewEndpointSecret());
        Guid newKey;
        await using (var host = await HooklineHost.StartAsync(SqliteSettings(), directory.Path))
        {
            using var admin = host.CreateAdminClient();
            await admin.PostJsonAsync("/api/v1/app", new { name = "Rotation", uid = "rot" }).ExpectAsync(HttpStatusCode.Created);
            await admin.PostJsonAsync("/api/v1/app/rot/endpoint", new { url = "http://127.0.0.1:9/old", uid = "old", secret = oldSecret }).ExpectAsync(HttpStatusCode.Created);

            // What Data Protection does by itself before a key expires, done now: the new key becomes
            // the default for what is sealed from here on; the old one stays in the ring for reading.
            var now = DateTimeOffset.UtcNow;
            newKey = host.Services.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90)).KeyId;
            // Data Protection reloads its ring in the background: wait until it seals with the new key.
            var probe = host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test.rotation");
            var expected = newKey;
            await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(KeyOf(probe.Protect("x"))), k => k == expected, TimeSpan.FromSeconds(15));
            await admin.PostJsonAsync("/api/v1/app/rot/endpoint", new { url = "http://127.0.0.1:9/new", uid = "new", secret = newSecret }).ExpectAsync(HttpStatusCode.Created);
        }

        // The rows really are under two keys (a Data Protection payload names its key after a 4-byte header).
        var keyOf = await SealingKeysAsync(Path.Combine(directory.Path, "hookline.db"));
        Assert.Equal(newKey, keyOf["new"]);
        Assert.NotEqual(newKey, keyOf["old"]);

        // A fresh process (nothing remembered in memory) reads both.
        await using var restarted = await HooklineHost.StartAsync(SqliteSettings(), directory.Path);
        using var client = restarted.CreateAdminClient();
        Assert.Equal(oldSecret, (await client.GetAtAsync("/api/v1/app/rot/endpoint/old/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
        Assert.Equal(newSecret, (await client.GetAtAsync("/api/v1/app/rot/endpoint/new/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
    }

    [Fact]
    public async Task KeyRingCertificate_Sqlite_EncryptsTheKeyRing_AndSecretsStillRead()
    {
        using var directory = TemporaryDirectory.Create("hookline-secrets");
        var pfx = Path.Combine(directory.Path, "ring.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=hookline-key-ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "ring-password"));
        }
        var settings = SqliteSettings();
        settings["Hookline:Secrets:KeyRingCertificatePath"] = pfx;
        settings["Hookline:Secrets:KeyRingCertificatePassword"] = "ring-password";
        var data = Path.Combine(directory.Path, "data");
        var secret = NewEndpointSecret();
        await using (var host = await HooklineHost.StartAsync(settings, data))
        {
            using var admin = host.CreateAdminClient();
            await admin.PostJsonAsync("/api/v1/app", new { name = "Cert", uid = "cert" }).ExpectAsync(HttpStatusCode.Created);
            await admin.PostJsonAsync("/api/v1/app/cert/endpoint", new { url = "http://127.0.0.1:9/c", uid = "c", secret }).ExpectAsync(HttpStatusCode.Created);
        }

        // The key's material is written encrypted (no <masterKey> value in clear).
        var key = Assert.Single(Directory.GetFiles(Path.Combine(data, "keys"), "key-*.xml"));
        var xml = await File.ReadAllTextAsync(key);
        Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);

        await using var restarted = await HooklineHost.StartAsync(settings, data);
        using var client = restarted.CreateAdminClient();
        Assert.Equal(secret, (await client.GetAtAsync("/api/v1/app/cert/endpoint/c/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
    }

    /// <summary>The records the scan looks for, and what the API must keep answering.</summary>
    private sealed record Secrets(string EndpointSecret, string SensitiveHeader, string VisibleHeader, string SourceSecret, string Token)
    {
        public IEnumerable<string> All => [EndpointSecret["whsec_".Length..], SensitiveHeader, VisibleHeader, SourceSecret, Token];
    }

    /// <summary>
    /// Creates an endpoint with a secret and headers and a source with a secret through the API, checks
    /// that the API answers them as given, that a message reaches a receiver signed with the secret and
    /// carrying the headers, and that the ingest URL verifies a request signed with the source's secret.
    /// </summary>
    private static async Task<Secrets> ExerciseAsync(HooklineHost host)
    {
        var secrets = new Secrets(NewEndpointSecret(), "Bearer hdr-" + Guid.NewGuid().ToString("N"), "key-" + Guid.NewGuid().ToString("N"),
            "src-" + Guid.NewGuid().ToString("N"), "");
        await using var receiver = await TestReceiver.StartAsync();
        using var admin = host.CreateAdminClient();
        await admin.PostJsonAsync("/api/v1/app", new { name = "Sealed", uid = "sealed" }).ExpectAsync(HttpStatusCode.Created);
        await admin.PostJsonAsync("/api/v1/app/sealed/endpoint", new
        {
            url = receiver.Url("/hook"),
            uid = "ep",
            secret = secrets.EndpointSecret,
            headers = new Dictionary<string, string> { ["Authorization"] = secrets.SensitiveHeader, ["X-Tenant"] = secrets.VisibleHeader },
        }).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(secrets.EndpointSecret, (await admin.GetAtAsync("/api/v1/app/sealed/endpoint/ep/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
        var headers = await admin.GetAtAsync("/api/v1/app/sealed/endpoint/ep/headers").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(secrets.VisibleHeader, headers.GetProperty("headers").GetProperty("X-Tenant").GetString());
        Assert.Equal(["Authorization"], headers.GetProperty("sensitive").EnumerateArray().Select(e => e.GetString()));

        // Delivery: signed with the sealed secret, with the sealed headers.
        await admin.PostJsonAsync("/api/v1/app/sealed/msg", new { eventType = "sealed.test", payload = new { n = 1 } }).ExpectAsync(HttpStatusCode.Accepted);
        var delivered = await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(receiver.At("/hook").ToList()), r => r.Count > 0, TimeSpan.FromSeconds(20));
        var request = Assert.Single(delivered);
        using (var key = StandardWebhookSecret.Parse(secrets.EndpointSecret))
        {
            var verified = new StandardWebhookVerifier(key).Verify(new WebhookRequest(new WebhookHeaders(request.Headers), request.Body));
            Assert.True(verified.IsValid, verified.ToString());
        }
        Assert.Equal(secrets.SensitiveHeader, request.Headers["authorization"]);
        Assert.Equal(secrets.VisibleHeader, request.Headers["x-tenant"]);

        // Ingest: the source's sealed secret verifies; the ingest URL's token is found by its lookup key.
        var source = await admin.PostJsonAsync("/ingest/api/v1/source", new { name = "GitHub", uid = "gh", type = "github", config = new { secret = secrets.SourceSecret } })
            .ExpectAsync(HttpStatusCode.Created);
        var ingestUrl = source.Str("ingestUrl");
        Assert.Equal(ingestUrl, (await admin.GetAtAsync("/ingest/api/v1/source/gh").ExpectAsync(HttpStatusCode.OK)).Str("ingestUrl"));
        using var provider = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await PostGitHubAsync(provider, ingestUrl, secrets.SourceSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostGitHubAsync(provider, ingestUrl, "not-the-secret")).StatusCode);
        return secrets with { Token = ingestUrl[(ingestUrl.LastIndexOf('/') + 1)..] };
    }

    private static void AssertNoneIn(string raw, Secrets secrets) => AssertNoneIn(raw, secrets.All);

    private static void AssertNoneIn(string raw, IEnumerable<string> values)
    {
        Assert.True(raw.Length > 0, "nothing was read from the database");
        foreach (var value in values)
        {
            Assert.False(raw.Contains(value, StringComparison.Ordinal), $"'{value}' is stored in clear");
        }
    }

    private static async Task<HttpResponseMessage> PostGitHubAsync(HttpClient client, string ingestUrl, string secret)
    {
        var body = Encoding.UTF8.GetBytes("""{"zen":"sealed","hook_id":1}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, ingestUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
        return await client.SendAsync(request);
    }

    /// <summary>hookline.db and its write-ahead log as bytes (read while the server may hold them open).</summary>
    internal static string ReadSqliteFiles(string dataDirectory)
    {
        var text = new StringBuilder();
        foreach (var file in new[] { "hookline.db", "hookline.db-wal" }.Select(name => Path.Combine(dataDirectory, name)).Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            text.Append(Encoding.Latin1.GetString(copy.ToArray()));
        }
        return text.ToString();
    }

    /// <summary>Every row of the tables that hold secrets or settings, as PostgreSQL prints them.</summary>
    internal static async Task<string> ReadPostgresRowsAsync(string connectionString)
    {
        var text = new StringBuilder();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in new[] { "endpoints", "sources", "source_tokens", "settings", "applications" })
        {
            await using var command = new NpgsqlCommand($"SELECT t::text FROM {table} t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.AppendLine(reader.GetString(0));
            }
        }
        return text.ToString();
    }

    /// <summary>The Data Protection key each endpoint's sealed secrets were sealed with, by uid.</summary>
    private static async Task<Dictionary<string, Guid>> SealingKeysAsync(string databaseFile)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databaseFile};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT uid, secrets FROM endpoints";
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new Dictionary<string, Guid>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            var stored = reader.GetString(1);
            Assert.StartsWith(SecretProtector.ProtectedPrefix, stored, StringComparison.Ordinal);
            keys[reader.GetString(0)] = KeyOf(stored[SecretProtector.ProtectedPrefix.Length..]);
        }
        return keys;
    }

    /// <summary>The key a Data Protection payload was sealed with: its id follows a 4-byte magic header.</summary>
    private static Guid KeyOf(string payload) => new(WebEncoders.Base64UrlDecode(payload).AsSpan(4, 16));

    /// <summary>A Standard Webhooks secret without '+', which JSON text would store escaped (and a scan for it would miss).</summary>
    internal static string NewEndpointSecret()
    {
        while (true)
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
            if (!key.Contains('+', StringComparison.Ordinal))
            {
                return "whsec_" + key;
            }
        }
    }

    private sealed record SeededRows(string EndpointSecret, string HeaderValue, string SourceSecret, string Token)
    {
        public IEnumerable<string> All => [EndpointSecret["whsec_".Length..], HeaderValue, SourceSecret, Token];
    }

    /// <summary>Rows as a version before sealing wrote them: through a store with no protector.</summary>
    private static async Task<SeededRows> SeedClearRowsAsync(SqlHooklineStore store)
    {
        var none = CancellationToken.None;
        var seeded = new SeededRows(NewEndpointSecret(), "hdr-" + Guid.NewGuid().ToString("N"), "src-" + Guid.NewGuid().ToString("N"), "tok" + Guid.NewGuid().ToString("N"));
        await store.MigrateAsync(none);
        var now = DateTimeOffset.UtcNow;
        var app = new Application { Id = HooklineIds.New(HooklineIds.Application, now), Uid = "old", Name = "Old", CreatedAt = now, UpdatedAt = now };
        await store.CreateApplicationAsync(app, none);
        await store.CreateEndpointAsync(new Hookline.Core.Model.Endpoint
        {
            Id = HooklineIds.New(HooklineIds.Endpoint, now),
            AppId = app.Id,
            Uid = "old-ep",
            Url = "http://127.0.0.1:9/old",
            Headers = new Dictionary<string, string> { ["X-Tenant"] = seeded.HeaderValue },
            Secrets = [new EndpointSecret(seeded.EndpointSecret, null)],
            CreatedAt = now,
            UpdatedAt = now,
        }, none);
        var hidden = new Application { Id = HooklineIds.New(HooklineIds.Application, now), Name = "Source", Kind = ApplicationKind.Source, CreatedAt = now, UpdatedAt = now };
        await store.CreateApplicationAsync(hidden, none);
        await store.CreateSourceAsync(new Source
        {
            Id = HooklineIds.New(HooklineIds.Source, now),
            Uid = "old-src",
            Name = "Old GitHub",
            Type = "github",
            ConfigJson = JsonSerializer.Serialize(new { secret = seeded.SourceSecret }),
            AppId = hidden.Id,
            CreatedAt = now,
            UpdatedAt = now,
        }, seeded.Token, none);
        return seeded;
    }

    private static async Task AssertSeededReadBackAsync(HooklineHost host, SeededRows seeded)
    {
        using var admin = host.CreateAdminClient();
        Assert.Equal(seeded.EndpointSecret, (await admin.GetAtAsync("/api/v1/app/old/endpoint/old-ep/secret").ExpectAsync(HttpStatusCode.OK)).Str("key"));
        var headers = await admin.GetAtAsync("/api/v1/app/old/endpoint/old-ep/headers").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(seeded.HeaderValue, headers.GetProperty("headers").GetProperty("X-Tenant").GetString());
        var ingestUrl = (await admin.GetAtAsync("/ingest/api/v1/source/old-src").ExpectAsync(HttpStatusCode.OK)).Str("ingestUrl");
        Assert.EndsWith("/ingest/" + seeded.Token, ingestUrl, StringComparison.Ordinal);
        using var provider = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await PostGitHubAsync(provider, ingestUrl, seeded.SourceSecret)).StatusCode);
    }
}
