using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task CountDueAsync_PendingRetriesAndExpiredLeases_CountedWhenDue()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 3);
        Assert.Equal(3, await Store.CountDueAsync(Start, None));

        var claimed = await ClaimAsync(Start);
        Assert.Equal(3, claimed.Count);
        Assert.Equal(0, await Store.CountDueAsync(Start, None));

        var now = Start.AddSeconds(1);
        await Store.CompleteAsync([Succeeded(claimed[0], now), Retry(claimed[1], now, Start.AddSeconds(10))], None);
        Assert.Equal(0, await Store.CountDueAsync(Start.AddSeconds(5), None));
        Assert.Equal(1, await Store.CountDueAsync(Start.AddSeconds(10), None));
        // The third is still leased (a node is sending it) until its lease runs out.
        Assert.Equal(2, await Store.CountDueAsync(Start + Lease, None));
    }

    [Fact]
    public async Task CountDueAsync_DisabledEndpoint_NotCounted()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessagesAsync(app, endpoint, 2);

        await Store.UpdateEndpointAsync(endpoint with { Disabled = true }, None);

        Assert.Equal(0, await Store.CountDueAsync(Start, None));
    }

    [Fact]
    public async Task PingAsync_ReachableStore_Completes()
    {
        await Store.PingAsync(None);
    }
}
