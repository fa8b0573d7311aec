using System.Net;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Retention;

/// <summary>
/// Hookline:Retention on a running server, on both stores: a delivered message older than the period
/// goes with its attempts and leaves the endpoint's stats; one whose delivery is still pending stays.
/// </summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private TestReceiver _receiver = null!;
    private PostgresTestDatabase? _database;

    public async Task InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.OnStatus("/down", 500);
        if (PostgresFactAttribute.ConnectionString is not null)
        {
            _database = new PostgresTestDatabase();
            await _database.EnsureCreatedAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        // A failed first try waits an hour for its retry: pending all through the test.
        ["Hookline:Delivery:RetrySchedule"] = "1h",
        ["Hookline:Retention:Period"] = "3s",
        ["Hookline:Retention:Interval"] = "200ms",
    };

    [Fact]
    public Task Retention_Sqlite_PurgesDeliveredHistoryAndKeepsPending() => PurgesDeliveredHistoryAndKeepsPendingAsync(Settings());

    [PostgresFact]
    public Task Retention_Postgres_PurgesDeliveredHistoryAndKeepsPending()
    {
        var settings = Settings();
        settings["Hookline:Storage:Provider"] = "postgres";
        settings["Hookline:Storage:ConnectionString"] = _database?.ConnectionString ?? PostgresFactAttribute.RequireConnectionString();
        return PurgesDeliveredHistoryAndKeepsPendingAsync(settings);
    }

    private async Task PurgesDeliveredHistoryAndKeepsPendingAsync(Dictionary<string, string?> settings)
    {
        await using var host = await HooklineHost.StartAsync(settings);
        using var client = host.CreateAdminClient();
        var app = HostFixture.Unique("app");
        await client.PostJsonAsync("/api/v1/app", new { name = "Retention", uid = app }).ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = _receiver.Url("/ok"), uid = "ok", filterTypes = new[] { "ok" } }).ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = _receiver.Url("/down"), uid = "down", filterTypes = new[] { "down" } }).ExpectAsync(HttpStatusCode.Created);

        var delivered = (await client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "ok", payload = new { n = 1 } }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        var waiting = (await client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "down", payload = new { n = 2 } }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        var stats = await ApiClientExtensions.EventuallyAsync(
            () => client.GetAtAsync($"/api/v1/app/{app}/endpoint/ok/stats").ExpectAsync(HttpStatusCode.OK), s => s.GetProperty("success").GetInt64() == 1);
        Assert.Equal(0, stats.GetProperty("pending").GetInt64());
        await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(_receiver.At("/down").Count()), n => n >= 1);

        // Past the period the delivered message is gone: message, attempts, stats.
        await ApiClientExtensions.EventuallyAsync(() => client.GetAtAsync($"/api/v1/app/{app}/msg/{delivered}"), r => r.StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30));
        var attempts = await client.GetAtAsync($"/api/v1/app/{app}/attempt/endpoint/ok").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, attempts.GetProperty("data").GetArrayLength());
        var after = await client.GetAtAsync($"/api/v1/app/{app}/endpoint/ok/stats").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, after.GetProperty("success").GetInt64());

        // The message whose delivery waits for its retry is older than the period too, and stays whole.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await client.GetAtAsync($"/api/v1/app/{app}/msg/{waiting}").ExpectAsync(HttpStatusCode.OK);
        var destinations = await client.GetAtAsync($"/api/v1/app/{app}/msg/{waiting}/endpoint").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("pending", destinations.GetProperty("data")[0].Str("statusText"));
        var downAttempts = await client.GetAtAsync($"/api/v1/app/{app}/attempt/endpoint/down").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, downAttempts.GetProperty("data").GetArrayLength());
        var downStats = await client.GetAtAsync($"/api/v1/app/{app}/endpoint/down/stats").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, downStats.GetProperty("pending").GetInt64());
    }

    [Fact]
    public async Task Retention_InvalidPeriod_HostDoesNotStart()
    {
        var settings = Settings();
        settings["Hookline:Retention:Period"] = "0s";

        var error = await Assert.ThrowsAnyAsync<Exception>(() => HooklineHost.StartAsync(settings));

        Assert.Contains("Hookline:Retention:Period = '0ms': must be between 1s and 36500d.", error.ToString(), StringComparison.Ordinal);
    }
}
