using Hookline.Core.Tests.Delivery.Engine;

namespace Hookline.Core.Tests.Messages;

/// <summary>The one matching rule, and that the create path fans out by it.</summary>
public sealed class MessageServiceTests
{
    [Fact]
    public async Task MatchingEndpointsAsync_FiltersChannelsAndDisabled_GivesWhatCreateFansOutTo()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        var all = await engine.CreateEndpointAsync(app, receiver.Url("/all"));
        var users = await engine.CreateEndpointAsync(app, receiver.Url("/users"), e => e with { EventTypes = ["user.created"] });
        var project = await engine.CreateEndpointAsync(app, receiver.Url("/project1"), e => e with { Channels = ["project_1"] });
        await engine.CreateEndpointAsync(app, receiver.Url("/disabled"), e => e with { Disabled = true });

        var forUser = await engine.Messages.MatchingEndpointsAsync(app.Id, "user.created", null, CancellationToken.None);
        var forProject = await engine.Messages.MatchingEndpointsAsync(app.Id, "invoice.paid", ["project_1"], CancellationToken.None);
        var forOther = await engine.Messages.MatchingEndpointsAsync(app.Id, "invoice.paid", ["project_2"], CancellationToken.None);

        Assert.Equal([all.Id, users.Id], forUser.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.Equal([all.Id, project.Id], forProject.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.Equal([all.Id], forOther.Select(e => e.Id));
        Assert.Equal(2, (await engine.SendAsync(app, "user.created", "{}")).EndpointCount);
        Assert.Equal(2, (await engine.SendAsync(app, "invoice.paid", "{}", ["project_1"])).EndpointCount);
        Assert.Equal(1, (await engine.SendAsync(app, "invoice.paid", "{}", ["project_2"])).EndpointCount);
    }
}
