using System.Collections.Concurrent;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// Ownership and claims from several nodes at once: each node is a store instance with its own
/// connection pool, and each runs several claimers in parallel. An endpoint has one owner at a time,
/// only its owner claims its deliveries, and a dead node's deliveries are taken back exactly once.
/// </summary>
public sealed class MultiNodeClaimTests : PostgresTestBase
{
    private const int ClaimersPerNode = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ClaimOwnedAsync_TwoNodesConcurrently_NeverClaimTheSameDelivery()
    {
        var app = await AddApplicationAsync();
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < 20; i++)
        {
            endpoints.Add(await AddEndpointAsync(app, maxConcurrency: 1000));
        }
        await AddMessagesAsync(app, endpoints, 50);
        var nodes = new[] { Store, await NodeAsync("b") };
        var claimed = new ConcurrentBag<long>();
        var owners = new ConcurrentDictionary<string, string>();

        // Each claimer loop is a node's dispatcher round: take endpoints (a few at a time, so both nodes
        // get some), then claim for every endpoint it owns.
        await RunClaimersAsync(nodes, until: () => claimed.Count >= 1000, async (node, random) =>
        {
            var name = ReferenceEquals(node, Store) ? "a" : "b";
            var now = Start.AddSeconds(1);
            await node.AcquireEndpointsAsync(new OwnershipRequest { NodeId = name, Now = now, Lease = LongLease, MaxEndpoints = 3 }, CancellationToken.None);
            var wants = endpoints.Select(e => new EndpointWant(e.Id, random.Next(1, 10))).ToList();
            foreach (var delivery in await node.ClaimOwnedAsync(new OwnedClaimRequest { NodeId = name, Now = now, LeaseDuration = LongLease, Wants = wants }, CancellationToken.None))
            {
                claimed.Add(delivery.DeliveryId);
                // Only ever the endpoint's one owner.
                Assert.Equal(name, owners.GetOrAdd(delivery.Endpoint.Id, name));
            }
        });

        Assert.Equal(1000, claimed.Count);
        Assert.Equal(1000, claimed.Distinct().Count());
        Assert.Equal(["a", "b"], owners.Values.Distinct().Order());
    }

    [Fact]
    public async Task AcquireEndpointsAsync_DeadNodesEndpointsWhileOtherNodesClaim_EachDeliveryTakenBackOnce()
    {
        var app = await AddApplicationAsync();
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < 10; i++)
        {
            endpoints.Add(await AddEndpointAsync(app, maxConcurrency: 1000));
        }
        await AddMessagesAsync(app, endpoints, 20);
        // A node that died holding everything: its ownership runs out an hour later.
        var wants = endpoints.Select(e => new EndpointWant(e.Id, 1000)).ToList();
        var died = Start.AddSeconds(1);
        await Store.AcquireEndpointsAsync(new OwnershipRequest { NodeId = "dead", Now = died, Lease = LongLease, MaxEndpoints = 100 }, CancellationToken.None);
        var dead = await Store.ClaimOwnedAsync(new OwnedClaimRequest { NodeId = "dead", Now = died, LeaseDuration = LongLease, Wants = wants }, CancellationToken.None);
        Assert.Equal(200, dead.Count);
        var nodes = new[] { Store, await NodeAsync("b") };
        var reclaimed = new ConcurrentBag<long>();
        var later = died + LongLease + TimeSpan.FromSeconds(1);

        await RunClaimersAsync(nodes, until: () => reclaimed.Count >= 200, async (node, random) =>
        {
            var name = ReferenceEquals(node, Store) ? "a" : "b";
            await node.AcquireEndpointsAsync(new OwnershipRequest { NodeId = name, Now = later, Lease = LongLease, MaxEndpoints = 2 }, CancellationToken.None);
            foreach (var delivery in await node.ClaimOwnedAsync(new OwnedClaimRequest { NodeId = name, Now = later, LeaseDuration = LongLease, Wants = wants }, CancellationToken.None))
            {
                reclaimed.Add(delivery.DeliveryId);
                Assert.Equal(1, delivery.AttemptCount); // the lost try counted once, not once per taker
            }
        });

        Assert.Equal(200, reclaimed.Count);
        Assert.Equal(dead.Select(d => d.DeliveryId).Order(), reclaimed.Order());
    }

    /// <summary>
    /// Runs <see cref="ClaimersPerNode"/> loops per node until <paramref name="until"/> holds (or the
    /// deadline passes, which fails the test). Empty claims are normal: another node holds the rows.
    /// </summary>
    private static async Task RunClaimersAsync(IReadOnlyList<IHooklineStore> nodes, Func<bool> until, Func<IHooklineStore, Random, Task> step)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var loops = nodes.SelectMany((node, n) => Enumerable.Range(0, ClaimersPerNode).Select(i => Task.Run(async () =>
        {
            var random = new Random((n * 100) + i);
            while (!until())
            {
                deadline.Token.ThrowIfCancellationRequested();
                await step(node, random);
            }
        })));
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The claimers did not finish within {Deadline.TotalSeconds} s.");
        }
    }
}
