using System.Text;
using Hookline.Core.Delivery;
using Hookline.Core.Operational;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>Operational webhooks observe the dispatcher (<see cref="IDeliveryObserver"/>) rather than being called by it.</summary>
public sealed class DeliveryObserverTests
{
    [Fact]
    public async Task Send_AnObserverThrows_DeliveryIsRecordedAndOperationalWebhooksStillSent()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var throwing = new ThrowingObserver();
        await using var engine = await EngineHarness.StartAsync(services: s => s.AddSingleton<IDeliveryObserver>(throwing));
        var app = await engine.CreateApplicationAsync();
        receiver.OnStatus("/gone", 410);
        receiver.OnStatus("/ops", 200);
        var operational = await engine.Operational.GetApplicationAsync(CancellationToken.None);
        await engine.CreateEndpointAsync(operational, receiver.Url("/ops"), e => e with { EventTypes = [OperationalWebhooks.EndpointDisabled] });
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/gone"));

        await engine.SendAsync(app, "a.b", "{}");
        await Eventually.HoldsAsync(() => receiver.At("/ops").Any(), what: "endpoint.disabled despite the throwing observer");

        Assert.True(throwing.Calls > 0);
        Assert.True((await engine.Store.GetEndpointAsync(app.Id, endpoint.Id, CancellationToken.None))!.Disabled);
        Assert.Contains(endpoint.Id, Encoding.UTF8.GetString(receiver.At("/ops").Single().Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_OperationalEndpointDisabled_DoesNotReportOnItself()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        receiver.OnStatus("/gone", 410);
        receiver.OnStatus("/ops-gone", 410);
        receiver.OnStatus("/ops", 200);
        var operational = await engine.Operational.GetApplicationAsync(CancellationToken.None);
        var opsGone = await engine.CreateEndpointAsync(operational, receiver.Url("/ops-gone"), e => e with { EventTypes = [OperationalWebhooks.EndpointDisabled] });
        await engine.CreateEndpointAsync(operational, receiver.Url("/ops"), e => e with { EventTypes = [OperationalWebhooks.EndpointDisabled] });
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/gone"));

        await engine.SendAsync(app, "a.b", "{}");
        await Eventually.HoldsAsync(async () => (await engine.Store.GetEndpointAsync(operational.Id, opsGone.Id, CancellationToken.None))!.Disabled,
            what: "the operational endpoint that answered 410 disabled");
        await Task.Delay(500);

        // One event: the application's endpoint. The operational endpoint's own 410 is not reported.
        var ops = receiver.At("/ops").Single();
        Assert.Contains(endpoint.Id, Encoding.UTF8.GetString(ops.Body), StringComparison.Ordinal);
    }

    private sealed class ThrowingObserver : IDeliveryObserver
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task OnRecordedAsync(RecordedBatch batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("This observer always fails.");
        }
    }
}
