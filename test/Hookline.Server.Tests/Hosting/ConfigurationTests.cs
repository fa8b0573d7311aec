using Hookline.Core.Delivery;
using Hookline.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Tests.Hosting;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task DeliverySection_HooklineDurationsAndLists_AreBound()
    {
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:Delivery:RetrySchedule"] = "1s, 2m,3h",
            ["Hookline:Delivery:Timeout"] = "500ms",
            ["Hookline:Delivery:DisableAfter"] = "2d",
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            ["Hookline:Delivery:AllowedNetworks"] = "10.1.0.0/16, 169.254.169.254/32",
            ["Hookline:Delivery:MaxConcurrencyPerEndpoint"] = "4",
        });

        var options = host.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value;

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), TimeSpan.FromHours(3)], options.RetrySchedule);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Timeout);
        Assert.Equal(TimeSpan.FromDays(2), options.DisableAfter);
        Assert.True(options.AllowPrivateNetworks);
        Assert.Equal(["10.1.0.0/16", "169.254.169.254/32"], options.AllowedNetworks);
        Assert.Equal(4, options.MaxConcurrencyPerEndpoint);
    }

    [Fact]
    public async Task DeliverySection_AllowedNetworksAsArray_IsBound()
    {
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:Delivery:AllowedNetworks:0"] = "10.1.0.0/16",
            ["Hookline:Delivery:AllowedNetworks:1"] = "fd00::/8",
        });

        Assert.Equal(["10.1.0.0/16", "fd00::/8"], host.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value.AllowedNetworks);
    }

    [Theory]
    [InlineData("Hookline:Delivery:Timeout", "soon", "Hookline:Delivery:Timeout")]
    [InlineData("Hookline:Delivery:RetrySchedule", "5s,later", "Hookline:Delivery:RetrySchedule")]
    [InlineData("Hookline:Delivery:AllowPrivateNetworks", "yes please", "Hookline:Delivery:AllowPrivateNetworks")]
    [InlineData("Hookline:Delivery:AllowedNetworks", "10.0.0.0/99", "AllowedNetworks")]
    [InlineData("Hookline:Storage:Provider", "mysql", "Hookline:Storage:Provider")]
    [InlineData("Hookline:Storage:Provider", "postgres", "Hookline:Storage:ConnectionString")]
    [InlineData("Hookline:PublicUrl", "not a url", "Hookline:PublicUrl")]
    public async Task InvalidSetting_StopsTheStartWithTheKeyInTheMessage(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HooklineHost.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHooklineServer_NoListenAddressConfigured_DefaultsToPort8071()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });

        builder.AddHooklineServer();

        Assert.Equal(HooklineServerExtensions.DefaultUrl, builder.WebHost.GetSetting("urls"));
    }

    [Fact]
    public void AddHooklineServer_UrlsGiven_LeavesThem()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--urls", "http://127.0.0.1:9999"],
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.AddHooklineServer();

        Assert.Equal("http://127.0.0.1:9999", builder.WebHost.GetSetting("urls"));
    }
}
