using System.Net;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Telemetry;

public sealed class PrometheusEndpointTests
{
    [Fact]
    public async Task Metrics_Default_ServedAnonymouslyAtSlashMetrics()
    {
        await using var host = await HooklineHost.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_PathConfigured_MovesTheEndpoint()
    {
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?> { ["Hookline:Telemetry:Prometheus:Path"] = "/internal/metrics" });
        using var client = host.CreateClient();

        using var moved = await client.GetAsync(new Uri("/internal/metrics", UriKind.Relative));
        using var old = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
    }

    [Fact]
    public async Task Metrics_Disabled_IsNotServed()
    {
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?> { ["Hookline:Telemetry:Prometheus:Enabled"] = "false" });
        using var client = host.CreateClient();

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_PathNotAPath_StopsTheStartNamingTheKey()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            HooklineHost.StartAsync(new Dictionary<string, string?> { ["Hookline:Telemetry:Prometheus:Path"] = "metrics" }));

        Assert.Contains("Path", error.Message, StringComparison.Ordinal);
    }
}
