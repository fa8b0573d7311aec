using System.Net;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Health;

public sealed class HealthApiTests
{
    [Fact]
    public async Task Health_OnFreshDataDirectory_Answers204()
    {
        await using var host = await HooklineHost.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/v1/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Ping_Anonymous_Answers204LikeSvix()
    {
        await using var host = await HooklineHost.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/v1/health/ping", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/health/live", false)]
    [InlineData("/health/ready", true)]
    public async Task HealthChecks_Anonymous_AnswerHealthyWithTheVersion(string path, bool checksStore)
    {
        await using var host = await HooklineHost.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.StartsWith("0.", body.RootElement.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Equal(checksStore, body.RootElement.GetProperty("checks").TryGetProperty("store", out _));
    }

    [Fact]
    public async Task StoreHealthCheck_DatabaseUnreachable_IsUnhealthy()
    {
        var port = ServerProcess.FreePort();
        await using var store = new Hookline.Storage.Postgres.PostgresHooklineStore(
            $"Host=127.0.0.1;Port={port};Username=hookline;Password=x;Database=hookline;Timeout=3", TimeProvider.System);
        var check = new Hookline.Server.Health.StoreHealthCheck(store);

        var result = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, result.Status);
    }
}
