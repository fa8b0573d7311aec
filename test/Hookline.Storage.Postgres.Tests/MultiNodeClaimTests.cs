using System.Collections.Concurrent;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// Claims from several nodes at once: each node is a store instance with its own connection pool,
/// and each runs several claimers in parallel (as a node's dispatcher and its neighbours do). The
/// rules that hold within one node must hold across all of them.
/// </summary>
public sealed class MultiNodeClaimTests : PostgresTestBase
{
    private const int ClaimersPerNode = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ClaimDueAsync_TwoNodesConcurrently_NeverClaimTheSameDelivery()
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

        await RunClaimersAsync(nodes, until: () => claimed.Count >= 1000, async (node, _) =>
        {
            foreach (var delivery in await node.ClaimDueAsync(Claim(Start.AddSeconds(1), max: 30), CancellationToken.None))
            {
                claimed.Add(delivery.DeliveryId);
            }
        });

        Assert.Equal(1000, claimed.Count);
        Assert.Equal(1000, claimed.Distinct().Count());
        Assert.Empty(await Store.ClaimDueAsync(Claim(Start.AddSeconds(2)), CancellationToken.None));
    }

    [Fact]
    public async Task ClaimDueAsync_TwoNodesWithCompletions_ConcurrencyLimitHoldsGlobally()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, maxConcurrency: 3);
        await AddMessagesAsync(app, [endpoint], 60);
        var nodes = new[] { Store, await NodeAsync("b") };
        var delivered = new ConcurrentBag<long>();
        var inFlight = 0;
        var maxInFlight = 0;

        await RunClaimersAsync(nodes, until: () => delivered.Count >= 60, async (node, random) =>
        {
            var batch = await node.ClaimDueAsync(Claim(Start.AddSeconds(1), max: 10), CancellationToken.None);
            foreach (var delivery in batch)
            {
                // Counted from after the claim committed until before its completion starts: never more
                // than the store itself counts as leased, so this can only under-report.
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref maxInFlight, now);
            }
            await Task.Delay(random.Next(0, 4));
            Interlocked.Add(ref inFlight, -batch.Count);
            foreach (var delivery in batch)
            {
                delivered.Add(delivery.DeliveryId);
            }
            if (batch.Count > 0)
            {
                await node.CompleteAsync(batch.Select(d => Succeeded(d, Start.AddSeconds(1))).ToList(), CancellationToken.None);
            }
        });

        Assert.InRange(maxInFlight, 1, 3);
        Assert.Equal(60, delivered.Count);
        Assert.Equal(60, delivered.Distinct().Count());
    }

    [Fact]
    public async Task ClaimDueAsync_OrderedEndpointOnTwoNodes_DeliversStrictlyInOrderOneAtATime()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, ordered: true);
        var messages = await AddMessagesAsync(app, [endpoint], 30);
        var nodes = new[] { Store, await NodeAsync("b") };
        var order = new ConcurrentQueue<string>();
        var inFlight = 0;
        var maxInFlight = 0;

        await RunClaimersAsync(nodes, until: () => order.Count >= 30, async (node, random) =>
        {
            var batch = await node.ClaimDueAsync(Claim(Start.AddSeconds(1)), CancellationToken.None);
            foreach (var delivery in batch)
            {
                InterlockedMax(ref maxInFlight, Interlocked.Increment(ref inFlight));
                order.Enqueue(delivery.Message.Id);
            }
            await Task.Delay(random.Next(0, 3));
            Interlocked.Add(ref inFlight, -batch.Count);
            if (batch.Count > 0)
            {
                await node.CompleteAsync(batch.Select(d => Succeeded(d, Start.AddSeconds(1))).ToList(), CancellationToken.None);
            }
        });

        Assert.Equal(1, maxInFlight);
        Assert.Equal(messages.Select(m => m.Id), order);
    }

    [Fact]
    public async Task ClaimDueAsync_ThrottledEndpointOnTwoNodes_BooksDistinctSlotsAtTheRate()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, maxConcurrency: 1000, throttleRate: 10);
        await AddMessagesAsync(app, [endpoint], 40);
        var nodes = new[] { Store, await NodeAsync("b") };
        var slots = new ConcurrentBag<DateTimeOffset>();

        await RunClaimersAsync(nodes, until: () => slots.Count >= 40, async (node, _) =>
        {
            // A horizon that holds all 40 slots, so that claims at one fixed time can book them all.
            foreach (var delivery in await node.ClaimDueAsync(Claim(Start.AddSeconds(1), throttleHorizon: TimeSpan.FromSeconds(5)), CancellationToken.None))
            {
                slots.Add(delivery.NotBefore);
            }
        });

        // Ten a second from the first claim on, whichever node booked them: 40 slots 100 ms apart.
        var sorted = slots.Order().ToList();
        Assert.Equal(40, sorted.Count);
        Assert.All(sorted.Zip(sorted.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(100),
            $"slots {pair.First:HH:mm:ss.fff} and {pair.Second:HH:mm:ss.fff} are closer than 1/rate"));
        Assert.Equal(Start.AddSeconds(1), sorted[0]);
        Assert.Equal(Start.AddSeconds(1) + TimeSpan.FromMilliseconds(3900), sorted[^1]);
    }

    [Fact]
    public async Task ClaimDueAsync_ExpiredLeasesWhileOtherNodesClaim_EachIsTakenBackOnce()
    {
        var app = await AddApplicationAsync();
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < 10; i++)
        {
            endpoints.Add(await AddEndpointAsync(app, maxConcurrency: 1000));
        }
        await AddMessagesAsync(app, endpoints, 20);
        // A node that died holding everything: its leases run out at Start + 1 s + 1 h.
        var dead = await Store.ClaimDueAsync(Claim(Start.AddSeconds(1), max: 1000), CancellationToken.None);
        Assert.Equal(200, dead.Count);
        var nodes = new[] { Store, await NodeAsync("b") };
        var reclaimed = new ConcurrentBag<long>();

        await RunClaimersAsync(nodes, until: () => reclaimed.Count >= 200, async (node, _) =>
        {
            foreach (var delivery in await node.ClaimDueAsync(Claim(Start.AddSeconds(1) + LongLease + TimeSpan.FromSeconds(1), max: 25), CancellationToken.None))
            {
                reclaimed.Add(delivery.DeliveryId);
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

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
