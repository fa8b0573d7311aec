using Hookline.Core.Delivery;
using Hookline.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Tests.Hosting;

public sealed class StartupFailureTests
{
    private static readonly IConfiguration Configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Hookline:Delivery:MaxConcurrencyPerEndpoint"] = "0",
        ["Hookline:Limits:MaxPayloadBytes"] = "10",
    }).Build();

    [Fact]
    public void Describe_GeneratedFailures_NameTheirKeyAndConfiguredValue()
    {
        var error = new OptionsValidationException("", typeof(DeliveryOptions),
        [
            "MaxConcurrencyPerEndpoint: The field DeliveryOptions.MaxConcurrencyPerEndpoint must be between 1 and 10000.",
            "Hookline:Delivery:AllowedNetworks = 'x': not a range.",
        ]);

        var line = StartupFailure.Describe(error, Configuration);

        Assert.Equal("Hookline did not start. Hookline:Delivery:MaxConcurrencyPerEndpoint = '0': must be between 1 and 10000. Hookline:Delivery:AllowedNetworks = 'x': not a range.", line);
    }

    [Fact]
    public void Describe_NestedMember_NamesTheFullKey()
    {
        var error = new OptionsValidationException("", typeof(HooklineServerOptions),
            ["MaxPayloadBytes: The field HooklineServerOptions.Limits.MaxPayloadBytes must be between 1024 and 2147483647."]);

        Assert.Equal("Hookline did not start. Hookline:Limits:MaxPayloadBytes = '10': must be between 1024 and 2147483647.", StartupFailure.Describe(error, Configuration));
    }

    [Fact]
    public void Describe_SeveralFailedServices_OneLine()
    {
        var error = new AggregateException(
            new OptionsValidationException("", typeof(HooklineServerOptions), ["Hookline:AdminToken is 5 characters long: use at least 16."]),
            new StartupProblemException("--urls = 'x': is not a listen address."));

        var line = StartupFailure.Describe(error, Configuration);

        Assert.Equal("Hookline did not start. Hookline:AdminToken is 5 characters long: use at least 16. --urls = 'x': is not a listen address.", line);
        Assert.DoesNotContain('\n', line!);
    }

    [Fact]
    public void Describe_UnexpectedException_IsLeftAloneForItsStackTrace()
    {
        var error = new AggregateException(new StartupProblemException("known"), new KeyNotFoundException());

        Assert.Null(StartupFailure.Describe(error, Configuration));
        Assert.Null(StartupFailure.Describe(new InvalidOperationException("a bug"), Configuration));
    }
}
