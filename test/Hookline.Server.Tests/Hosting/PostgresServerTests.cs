using System.Net;
using System.Text.RegularExpressions;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Hosting;

/// <summary>The server on <c>Hookline:Storage:Provider=postgres</c>: one schema per test, dropped afterwards.</summary>
public sealed partial class PostgresServerTests : IAsyncLifetime
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

    private Dictionary<string, string?> Settings(bool generatedToken = false) => new()
    {
        ["Hookline:Storage:Provider"] = "postgres",
        ["Hookline:Storage:ConnectionString"] = _database?.ConnectionString ?? "",
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        ["Hookline:AdminToken"] = generatedToken ? null : HooklineHost.AdminToken,
    };

    [PostgresFact]
    public async Task Api_OnPostgres_CreatesAndListsAppsEndpointsAndMessages()
    {
        PostgresFactAttribute.RequireConnectionString();
        await using var host = await HooklineHost.StartAsync(Settings());
        using var client = host.CreateAdminClient();

        await client.PostJsonAsync("/api/v1/app", new { name = "PG", uid = "pg" }).ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/app/pg/endpoint", new { url = "http://127.0.0.1:9/", uid = "e" }).ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/app/pg/msg", new { eventType = "a", payload = new { n = 1 }, eventId = "x" }).ExpectAsync(HttpStatusCode.Accepted);
        await client.PostJsonAsync("/api/v1/app/pg/msg", new { eventType = "a", payload = new { n = 1 }, eventId = "x" }).ExpectErrorAsync(HttpStatusCode.Conflict);

        var messages = await client.GetAtAsync("/api/v1/app/pg/msg").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, messages.GetProperty("data").GetArrayLength());
        Assert.Contains("PostgreSQL database", host.Console.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Password", host.Console.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [PostgresFact]
    public async Task AdminToken_TwoNodesStartingTogether_AgreeOnOneToken()
    {
        PostgresFactAttribute.RequireConnectionString();
        await using (var migrate = await HooklineHost.StartAsync(Settings()))
        {
            // Schema first, so the race below is about the token only.
        }

        var starts = await Task.WhenAll(HooklineHost.StartAsync(Settings(generatedToken: true)), HooklineHost.StartAsync(Settings(generatedToken: true)));
        await using var a = starts[0];
        await using var b = starts[1];

        var printed = new[] { a, b }.Select(h => TokenPattern().Match(h.Console.ToString())).Where(m => m.Success).Select(m => m.Value).ToList();
        var token = Assert.Single(printed);
        using var ca = a.CreateClient(token);
        using var cb = b.CreateClient(token);
        await ca.GetAtAsync("/api/v1/app").ExpectAsync(HttpStatusCode.OK);
        await cb.GetAtAsync("/api/v1/app").ExpectAsync(HttpStatusCode.OK);
    }

    [GeneratedRegex("hk_admin_[A-Za-z0-9_-]{43}")]
    private static partial Regex TokenPattern();
}
