using System.Reflection;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>
/// A take of an endpoint whose statement waited (on PostgreSQL, for a row lock held by a stalled
/// node's open transaction) longer than the lease: the row it finally writes is leased from the time
/// the take began, so it has run out, or nearly, when the node hears that it owns the endpoint. The
/// node's heartbeats went on meanwhile, so the node as a whole is live; that must not vouch for this
/// endpoint, which another node may take the moment the row runs out. Seen in CI as two nodes sending
/// to one throttled endpoint together for 300 ms (14 requests in a second at 10/s).
/// </summary>
public sealed class StaleAcquireTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task EndpointTakenWithALeaseThatRanOutOnTheWay_IsNotSentTo_WhileAnotherNodeOwnsIt()
    {
        await using var receiver = await TestReceiver.StartAsync();
        StaleAcquireStore? proxy = null;
        await using var engine = await EngineHarness.StartAsync(
            configure: o =>
            {
                o.LeaseDuration = Lease;
                o.Timeout = TimeSpan.FromMilliseconds(300);
            },
            after: services => services.AddSingleton(sp =>
            {
                proxy = StaleAcquireStore.Wrap(sp.GetRequiredService<IHooklineStore>());
                return (IDeliveryStore)(object)proxy;
            }));
        var app = await engine.CreateApplicationAsync();
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/hooks"));

        // The endpoint is kept from the node until the message is pending; then the node's next take
        // waits longer than the lease before it runs, with the time it began.
        proxy!.Keep(endpoint.Id);
        await engine.SendAsync(app, "a.first", "{}");
        proxy.HoldNextTake(Lease + TimeSpan.FromMilliseconds(300));

        // The node claims the delivery under that take; just then another node takes the endpoint
        // (its row had run out), and the delivery is pending again for that node to send.
        await proxy.OtherNodeTook.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(proxy.ClaimedUnderStaleTake > 0, "the node claimed the delivery under the stale take");

        // While the other node owns the endpoint, this one sends nothing to it.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(receiver.At("/hooks"));

        // Once the other node gives the endpoint up, this one takes it and the delivery goes, once.
        await engine.Store.ReleaseEndpointsAsync(StaleAcquireStore.OtherNode, null, CancellationToken.None);
        await Eventually.HoldsAsync(() => receiver.At("/hooks").Count() == 1, TimeSpan.FromSeconds(10), "the delivery after the other node let go");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Single(receiver.At("/hooks"));
    }

    /// <summary>
    /// The engine's store, with a take of an endpoint that runs late with the time it was asked at, and
    /// another node that takes the endpoint as soon as this node has claimed under that take.
    /// </summary>
    public class StaleAcquireStore : DispatchProxy
    {
        public const string OtherNode = "other-node";

        private IDeliveryStore _inner = null!;
        private string? _kept;
        private long _holdTicks;
        private long _heldNowTicks = long.MaxValue;
        private int _claimedUnderStaleTake;

        public TaskCompletionSource OtherNodeTook { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int ClaimedUnderStaleTake => Volatile.Read(ref _claimedUnderStaleTake);

        public static StaleAcquireStore Wrap(IDeliveryStore inner)
        {
            var proxy = Create<IDeliveryStore, StaleAcquireStore>();
            var store = (StaleAcquireStore)(object)proxy;
            store._inner = inner;
            return store;
        }

        /// <summary>Takes made until <see cref="HoldNextTake"/> leave the endpoint alone.</summary>
        public void Keep(string endpointId) => Volatile.Write(ref _kept, endpointId);

        /// <summary>The next take waits <paramref name="hold"/>, then runs as asked (with its time, now old).</summary>
        public void HoldNextTake(TimeSpan hold)
        {
            Volatile.Write(ref _holdTicks, hold.Ticks);
            Volatile.Write(ref _kept, null);
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            ArgumentNullException.ThrowIfNull(args);
            switch (targetMethod.Name)
            {
                case nameof(IDeliveryStore.AcquireEndpointsAsync):
                    var request = (OwnershipRequest)args[0]!;
                    if (Volatile.Read(ref _kept) is { } kept)
                    {
                        args[0] = request with { Exclude = [.. request.Exclude, kept] };
                    }
                    else if (Interlocked.Exchange(ref _holdTicks, 0) is > 0 and var hold)
                    {
                        return HeldTakeAsync(request, TimeSpan.FromTicks(hold), (CancellationToken)args[1]!);
                    }
                    break;
                case nameof(IDeliveryStore.ClaimOwnedAsync):
                    var claim = (OwnedClaimRequest)args[0]!;
                    if (claim.Now.UtcTicks >= Volatile.Read(ref _heldNowTicks) && !OtherNodeTook.Task.IsCompleted)
                    {
                        return ClaimThenOtherNodeTakesAsync(claim, (CancellationToken)args[1]!);
                    }
                    break;
            }
            return targetMethod.Invoke(_inner, args);
        }

        private async Task<IReadOnlyList<OwnedEndpoint>> HeldTakeAsync(OwnershipRequest request, TimeSpan hold, CancellationToken cancellationToken)
        {
            await Task.Delay(hold, cancellationToken);
            var taken = await _inner.AcquireEndpointsAsync(request, cancellationToken);
            Volatile.Write(ref _heldNowTicks, request.Now.UtcTicks);
            return taken;
        }

        private async Task<IReadOnlyList<ClaimedDelivery>> ClaimThenOtherNodeTakesAsync(OwnedClaimRequest claim, CancellationToken cancellationToken)
        {
            var claimed = await _inner.ClaimOwnedAsync(claim, cancellationToken);
            if (claimed.Count == 0)
            {
                return claimed;
            }
            Interlocked.Add(ref _claimedUnderStaleTake, claimed.Count);
            // The row this node's take wrote has run out: the other node takes the endpoint, which puts
            // what this node leased back to pending. It holds it far longer than the test runs.
            try
            {
                var other = await _inner.AcquireEndpointsAsync(new OwnershipRequest
                {
                    NodeId = OtherNode,
                    Now = DateTimeOffset.UtcNow,
                    Lease = TimeSpan.FromMinutes(5),
                }, cancellationToken);
                if (other.Count == 0)
                {
                    throw new InvalidOperationException("the other node could not take the endpoint: its row had not run out");
                }
                OtherNodeTook.TrySetResult();
            }
            catch (Exception ex)
            {
                OtherNodeTook.TrySetException(ex);
            }
            return claimed;
        }
    }
}
