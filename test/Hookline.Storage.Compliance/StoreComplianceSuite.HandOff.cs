using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>
/// Deliveries inserted already leased to the node that owns their endpoint (the dispatcher's hand-off):
/// sending at once under the lease's token, never claimed again, completed like a claimed one, put
/// back to pending when the endpoint is taken over; pending instead when the node does not own it.
/// </summary>
public abstract partial class StoreComplianceSuite
{
    private static DeliveryLease LeaseFor(string node, DateTimeOffset now, string token = "handoff-token") => new(node, token, now, now + Lease);

    /// <summary>Makes <paramref name="node"/> the owner of <paramref name="endpoint"/> (it takes endpoints with due work) and finishes that work.</summary>
    private async Task OwnAsync(Application app, Endpoint endpoint, string node)
    {
        await AddMessageAsync(app, endpoint, at: Start.AddMinutes(-1));
        var claimed = Assert.Single(await ClaimAsync(Start, node: node));
        await Store.CompleteAsync([Succeeded(claimed, Start)], None);
    }

    private static ClaimedDelivery HandedOff(Message message, Endpoint endpoint, long id, string token) => new()
    {
        DeliveryId = id,
        LeaseToken = token,
        AttemptCount = 0,
        Trigger = AttemptTrigger.Scheduled,
        Message = message,
        Endpoint = endpoint,
    };

    [Fact]
    public async Task InsertMessagesAsync_LeasedToTheOwner_SendingAtOnceNeverClaimedAndCompletedWithItsToken()
    {
        var app = await AddApplicationAsync();
        var owned = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        await OwnAsync(app, owned, "node-a");
        var message = NewMessage(app, Start);

        var result = Assert.Single(await Store.InsertMessagesAsync(
            [new NewMessage(message, [owned.Id, other.Id]) { Lease = LeaseFor("node-a", Start), LeasedEndpointIds = [owned.Id, other.Id] }], None));

        // Leased where node-a owns the endpoint; the other endpoint (nobody owns it) got a pending row.
        Assert.Equal(MessageInsertOutcome.Created, result.Outcome);
        var (endpointId, deliveryId) = Assert.Single(result.Leased);
        Assert.Equal(owned.Id, endpointId);
        Assert.Equal(MessageStatus.Sending, (await GetDeliveryAsync(message, owned)).Status);
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(message, other)).Status);

        // A claim (by the owner or anyone) never returns the leased row; the pending one is claimable.
        var claimed = await ClaimAsync(Start.AddSeconds(1), node: "node-a");
        Assert.DoesNotContain(claimed, c => c.Endpoint.Id == owned.Id);
        Assert.Contains(claimed, c => c.Endpoint.Id == other.Id && c.Message.Id == message.Id);

        // Completed under the lease's token like a claimed delivery; a wrong token changes nothing.
        var handedOff = HandedOff(message, owned, deliveryId, "handoff-token");
        await Store.CompleteAsync([Succeeded(handedOff with { LeaseToken = "not-the-token" }, Start.AddSeconds(1))], None);
        Assert.Equal(MessageStatus.Sending, (await GetDeliveryAsync(message, owned)).Status);
        await Store.CompleteAsync([Succeeded(handedOff, Start.AddSeconds(2))], None);
        Assert.Equal(MessageStatus.Success, (await GetDeliveryAsync(message, owned)).Status);
    }

    [Fact]
    public async Task InsertMessagesAsync_BatchThatFails_KeepsNothing()
    {
        // A group commit is one write, all or nothing, however a store sends it (a server store sends
        // a batch with nothing to look up in one round trip, without a transaction of its own).
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        var other = await AddEndpointAsync(app);
        await OwnAsync(app, endpoint, "node-a");
        var first = NewMessage(app, Start);
        var second = NewMessage(app, Start.AddMilliseconds(1));

        // The second message names the endpoint twice: its second leased row breaks the uniqueness of
        // (message, endpoint), in the batch's last insert, after both messages and the pending row.
        await Assert.ThrowsAnyAsync<Exception>(() => Store.InsertMessagesAsync(
        [
            new NewMessage(first, [endpoint.Id, other.Id]) { Lease = LeaseFor("node-a", Start), LeasedEndpointIds = [endpoint.Id] },
            new NewMessage(second, [endpoint.Id, endpoint.Id]) { Lease = LeaseFor("node-a", Start), LeasedEndpointIds = [endpoint.Id] },
        ], None));

        Assert.Null(await Store.GetMessageAsync(app.Id, first.Id, None));
        Assert.Null(await Store.GetMessageAsync(app.Id, second.Id, None));
        Assert.Empty(await ClaimAsync(Start.AddSeconds(1), node: "node-a"));
        var retried = Assert.Single(await Store.InsertMessagesAsync(
            [new NewMessage(first, [endpoint.Id, other.Id]) { Lease = LeaseFor("node-a", Start), LeasedEndpointIds = [endpoint.Id] }], None));
        Assert.Equal(endpoint.Id, Assert.Single(retried.Leased).EndpointId);
    }

    [Fact]
    public async Task InsertMessagesAsync_LeaseOfANodeThatDoesNotOwnTheEndpoint_InsertedPending()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await OwnAsync(app, endpoint, "node-a");
        var first = NewMessage(app, Start);
        var second = NewMessage(app, Start);

        // node-b does not own it; node-a asks after its ownership ran out.
        var results = await Store.InsertMessagesAsync(
        [
            new NewMessage(first, [endpoint.Id]) { Lease = LeaseFor("node-b", Start), LeasedEndpointIds = [endpoint.Id] },
            new NewMessage(second, [endpoint.Id]) { Lease = LeaseFor("node-a", Start + Lease + TimeSpan.FromSeconds(1)), LeasedEndpointIds = [endpoint.Id] },
        ], None);

        Assert.All(results, r => Assert.Equal(MessageInsertOutcome.Created, r.Outcome));
        Assert.All(results, r => Assert.Empty(r.Leased));
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(first, endpoint)).Status);
        Assert.Equal(MessageStatus.Pending, (await GetDeliveryAsync(second, endpoint)).Status);
    }

    [Fact]
    public async Task InsertMessagesAsync_LeasedThenTheOwnerDies_PendingAgainWhenTakenOver()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await OwnAsync(app, endpoint, "node-a");
        var message = NewMessage(app, Start);
        var result = Assert.Single(await Store.InsertMessagesAsync(
            [new NewMessage(message, [endpoint.Id]) { Lease = LeaseFor("node-a", Start), LeasedEndpointIds = [endpoint.Id] }], None));
        Assert.Single(result.Leased);

        // node-a dies before sending. node-b takes the endpoint once node-a's lease ran out and sends it.
        var takeover = Start + Lease + TimeSpan.FromMilliseconds(1);
        var claimed = Assert.Single(await ClaimAsync(takeover, node: "node-b"));
        Assert.Equal(message.Id, claimed.Message.Id);
        Assert.Equal(1, claimed.AttemptCount);
    }

    [Fact]
    public async Task InsertMessagesAsync_LeasedDuplicateEventId_WritesNothingAndLeasesNothing()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await OwnAsync(app, endpoint, "node-a");
        await AddMessageAsync(app, endpoint, eventId: "evt-handoff");
        var twin = NewMessage(app, Start, eventId: "evt-handoff");

        var result = Assert.Single(await Store.InsertMessagesAsync(
            [new NewMessage(twin, [endpoint.Id]) { Lease = LeaseFor("node-a", Start), LeasedEndpointIds = [endpoint.Id] }], None));

        Assert.Equal(MessageInsertOutcome.DuplicateEventId, result.Outcome);
        Assert.Empty(result.Leased);
    }
}
