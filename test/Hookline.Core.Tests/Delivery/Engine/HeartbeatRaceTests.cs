using System.Collections.Concurrent;
using System.Reflection;
using Hookline.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>
/// A heartbeat's renewal and a take of an endpoint running at the same time: the take commits after
/// the renewal read the owners, so the renewal does not list the endpoint. The node must keep it
/// (it is new, not lost); forgetting it left the database saying the node owned an endpoint its
/// memory did not, which the next heartbeat gave up as an orphan, with what it held given back.
/// </summary>
public sealed class HeartbeatRaceTests
{
    [Fact]
    public async Task EndpointTakenWhileARenewalRuns_IsKept_NotGivenUpAsAnOrphan()
    {
        await using var receiver = await TestReceiver.StartAsync();
        RenewalHoldingStore? proxy = null;
        await using var engine = await EngineHarness.StartAsync(after: services => services.AddSingleton(sp =>
        {
            proxy = RenewalHoldingStore.Wrap(sp.GetRequiredService<IHooklineStore>());
            return (IDeliveryStore)(object)proxy;
        }));
        var app = await engine.CreateApplicationAsync();
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/hooks"));

        // The node takes the endpoint for a first message, and gives it up once idle for a heartbeat.
        await engine.SendAsync(app, "a.first", "{}");
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == 1, TimeSpan.FromSeconds(10), "the first delivery");
        await Eventually.HoldsAsync(() => proxy!.Released.Contains(endpoint.Id), TimeSpan.FromSeconds(10), "the idle endpoint given up");

        // The next renewal reads the owners (the endpoint has none), then waits until the endpoint
        // has been taken again for a second message, and only then answers.
        var read = proxy!.HoldNextRenewal();
        await read.WaitAsync(TimeSpan.FromSeconds(10));
        // The idle give-up above may have raced the heartbeat before this one: its renewal read the
        // endpoint as still owned, and that heartbeat released it as an orphan, rightly (nothing was
        // left of it). Heartbeats run one after another, so that release is recorded by now; what
        // counts is an orphan after the held renewal.
        proxy.Orphans.Clear();
        await engine.SendAsync(app, "a.second", "{}");
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == 2, TimeSpan.FromSeconds(10), "the second delivery");
        await proxy.Answered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Two more heartbeats, the endpoint kept busy so that it is never given up idle (which can
        // race a renewal and is then released as an orphan, rightly): one forgotten by the held
        // heartbeat would be given up as an orphan at the next.
        var sent = 2;
        var busyUntil = DateTime.UtcNow + TimeSpan.FromSeconds(2.5);
        while (DateTime.UtcNow < busyUntil)
        {
            await engine.SendAsync(app, "a.busy", "{}");
            sent++;
            await Task.Delay(100);
        }
        Assert.Empty(proxy.Orphans);
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == sent, TimeSpan.FromSeconds(10), $"all {sent} deliveries");
    }

    /// <summary>The engine's store, with a renewal that can be held until a take has finished, and a record of releases.</summary>
    public class RenewalHoldingStore : DispatchProxy
    {
        private IDeliveryStore _inner = null!;
        private TaskCompletionSource? _read;
        private TaskCompletionSource? _taken;

        public ConcurrentBag<string> Released { get; } = [];

        public ConcurrentBag<string> Orphans { get; } = [];

        public TaskCompletionSource Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static RenewalHoldingStore Wrap(IDeliveryStore inner)
        {
            var proxy = Create<IDeliveryStore, RenewalHoldingStore>();
            var holding = (RenewalHoldingStore)(object)proxy;
            holding._inner = inner;
            return holding;
        }

        /// <summary>Holds the next renewal after it read the owners; the task completes when it has.</summary>
        public Task HoldNextRenewal()
        {
            _taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _read, read);
            return read.Task;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            var result = targetMethod.Invoke(_inner, args);
            switch (targetMethod.Name)
            {
                case nameof(IDeliveryStore.RenewOwnershipAsync) when Interlocked.Exchange(ref _read, null) is { } read:
                    return HoldAsync((Task<OwnershipRenewal>)result!, read);
                case nameof(IDeliveryStore.AcquireEndpointsAsync):
                    return TakenAsync((Task<IReadOnlyList<OwnedEndpoint>>)result!);
                case nameof(IDeliveryStore.ReleaseEndpointsAsync) when args![1] is IReadOnlyCollection<string> ids:
                    foreach (var id in ids)
                    {
                        Released.Add(id);
                    }
                    return result;
                case nameof(IDeliveryStore.ReleaseOrphansAsync):
                    foreach (var id in (IReadOnlyCollection<string>)args![1]!)
                    {
                        Orphans.Add(id);
                    }
                    return result;
                default:
                    return result;
            }
        }

        private async Task<OwnershipRenewal> HoldAsync(Task<OwnershipRenewal> renewal, TaskCompletionSource read)
        {
            var answer = await renewal;
            read.SetResult();
            await _taken!.Task.WaitAsync(TimeSpan.FromSeconds(10));
            // The dispatcher records what it took just after the store answers.
            await Task.Delay(200);
            Answered.TrySetResult();
            return answer;
        }

        private async Task<IReadOnlyList<OwnedEndpoint>> TakenAsync(Task<IReadOnlyList<OwnedEndpoint>> acquire)
        {
            var taken = await acquire;
            if (taken.Count > 0)
            {
                _taken?.TrySetResult();
            }
            return taken;
        }
    }
}
