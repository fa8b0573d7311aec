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
}
