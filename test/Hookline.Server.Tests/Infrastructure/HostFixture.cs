namespace Hookline.Server.Tests.Infrastructure;

/// <summary>One host shared by the tests of a class; tests keep apart by using unique uids.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public HooklineHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await HooklineHost.StartAsync(new Dictionary<string, string?>
    {
        // Endpoints in these tests point at loopback ports nobody listens on.
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
