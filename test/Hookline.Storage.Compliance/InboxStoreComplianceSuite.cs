using System.Text;
using Hookline.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Storage.Compliance;

/// <summary>
/// The receiver inbox's store contract (<see cref="IInboxStore"/>), run against every inbox store:
/// dedupe on (webhook, delivery id), claims under leases, stale completions, retries, dead letters on
/// the last attempt, requeue, listing and purge. Like <see cref="StoreComplianceSuite"/>, each store's
/// test project subclasses it and opens stores over a database of the test's own; a second store over
/// the same database is how a second process looks.
/// </summary>
public abstract class InboxStoreComplianceSuite : IAsyncLifetime
{
    /// <summary>A fixed, whole-second start so that millisecond-precision stores round-trip every time exactly.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly List<IInboxStore> _opened = [];

    protected FakeTimeProvider Time { get; } = new(Start);

    /// <summary>The migrated inbox store of this test.</summary>
    protected IInboxStore Store { get; private set; } = null!;

    protected static CancellationToken None => CancellationToken.None;

    /// <summary>Opens a new, not yet migrated inbox store over this test's database, creating the database on the first call.</summary>
    protected abstract Task<IInboxStore> OpenStoreAsync(TimeProvider time);

    /// <summary>Removes this test's database; every store the suite opened has been disposed already.</summary>
    protected abstract Task DropDatabaseAsync();

    /// <summary>A new migrated inbox store over this test's database.</summary>
    protected async Task<IInboxStore> CreateStoreAsync()
    {
        var store = await OpenStoreAsync(Time);
        _opened.Add(store);
        await store.MigrateAsync(None);
        return store;
    }

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            switch (store)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
        await DropDatabaseAsync();
    }

    [Fact]
    public async Task MigrateAsync_Again_KeepsTheItems()
    {
        var inserted = await Store.InsertInboxItemAsync(NewInboxItem("evt_kept"), None);

        await Store.MigrateAsync(None);
        var other = await CreateStoreAsync();

        Assert.Equal("evt_kept", (await other.GetInboxItemAsync(inserted.Id, withBody: false, None))?.DeliveryId);
    }

    private static readonly string[] InboxWebhooks = ["stripe", "github"];

    protected static NewInboxItem NewInboxItem(string deliveryId, string webhook = "stripe", DateTimeOffset? at = null, string body = "{\"id\":\"evt\"}") => new()
    {
        Webhook = webhook,
        DeliveryId = deliveryId,
        Headers = [new("Stripe-Signature", "t=1,v1=ab"), new("X-Repeated", "a"), new("x-repeated", "b")],
        Body = Encoding.UTF8.GetBytes(body),
        Url = "https://app.example/webhooks/" + webhook,
        Method = "POST",
        VerifiedTimestamp = (at ?? Start).AddSeconds(-1),
        ReceivedAt = at ?? Start,
    };

    protected static InboxClaimRequest InboxClaim(DateTimeOffset now, int maxItems = 10, int maxAttempts = 5, TimeSpan? lease = null, IReadOnlyCollection<string>? webhooks = null) => new()
    {
        Now = now,
        LeaseDuration = lease ?? Lease,
        MaxItems = maxItems,
        MaxAttempts = maxAttempts,
        Webhooks = webhooks ?? InboxWebhooks,
    };

    private static InboxCompletion InboxDone(InboxItem item, DateTimeOffset now, InboxOutcome outcome = InboxOutcome.Succeeded, DateTimeOffset? next = null, string? error = null) => new()
    {
        Id = item.Id,
        LeaseToken = item.LeaseToken!,
        Outcome = outcome,
        Now = now,
        NextAttemptAt = next,
        Error = error,
    };

    [Fact]
    public async Task InsertInboxItemAsync_New_StoresExactRequestAsPending()
    {
        var item = NewInboxItem("evt_1", body: "{ \"b\":1,\n\"a\":\"\\u00e9\" }");

        var result = await Store.InsertInboxItemAsync(item, None);

        Assert.False(result.Duplicate);
        Assert.Equal(InboxStatus.Pending, result.Status);
        var stored = await Store.GetInboxItemAsync(result.Id, withBody: true, None);
        Assert.NotNull(stored);
        Assert.Equal(item.Body, stored.Body);
        Assert.Equal(item.Body.Length, stored.BodyLength);
        Assert.Equal(item.Headers, stored.Headers);
        Assert.Equal(("stripe", "evt_1", item.Url, "POST"), (stored.Webhook, stored.DeliveryId, stored.Url, stored.Method));
        Assert.Equal(item.VerifiedTimestamp, stored.VerifiedTimestamp);
        Assert.Equal(Start, stored.ReceivedAt);
        Assert.Equal(Start, stored.NextAttemptAt);
        Assert.Equal(0, stored.AttemptCount);
        Assert.Empty((await Store.GetInboxItemAsync(result.Id, withBody: false, None))!.Body);
    }

    [Fact]
    public async Task InsertInboxItemAsync_SameDeliveryIdTwice_SecondIsDuplicateAndWritesNothing()
    {
        var first = await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);

        var second = await Store.InsertInboxItemAsync(NewInboxItem("evt_1", body: "{\"other\":true}"), None);

        Assert.True(second.Duplicate);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal("{\"id\":\"evt\"}", Encoding.UTF8.GetString((await Store.GetInboxItemAsync(first.Id, true, None))!.Body));
        Assert.Equal(1, (await Store.CountInboxItemsAsync(null, None))[InboxStatus.Pending]);
    }

    [Fact]
    public async Task InsertInboxItemAsync_SameDeliveryIdOtherWebhook_IsSeparate()
    {
        var stripe = await Store.InsertInboxItemAsync(NewInboxItem("id-1", "stripe"), None);
        var github = await Store.InsertInboxItemAsync(NewInboxItem("id-1", "github"), None);

        Assert.False(github.Duplicate);
        Assert.NotEqual(stripe.Id, github.Id);
    }

    [Fact]
    public async Task InsertInboxItemAsync_ManyConcurrentFromTwoStoreInstances_ExactlyOneCreated()
    {
        var other = await CreateStoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => (i % 2 == 0 ? Store : other).InsertInboxItemAsync(NewInboxItem("evt_race"), None))));

        Assert.Single(results, r => !r.Duplicate);
        Assert.Single(results.Select(r => r.Id).Distinct());
    }

    [Fact]
    public async Task InsertInboxItemAsync_DuplicateOfDoneItem_ReportsDone()
    {
        await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        var claimed = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start), None));
        Assert.True(await Store.CompleteInboxItemAsync(InboxDone(claimed, Start.AddSeconds(1)), None));

        var again = await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);

        Assert.True(again.Duplicate);
        Assert.Equal(InboxStatus.Done, again.Status);
    }

    [Fact]
    public async Task ClaimInboxItemsAsync_DueItems_LeasesThemWithBodiesAndStartsAnAttempt()
    {
        var a = await Store.InsertInboxItemAsync(NewInboxItem("evt_a"), None);
        var b = await Store.InsertInboxItemAsync(NewInboxItem("evt_b", "github"), None);

        var claimed = await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(1)), None);

        Assert.Equal([a.Id, b.Id], claimed.Select(c => c.Id));
        Assert.All(claimed, c =>
        {
            Assert.Equal(InboxStatus.Running, c.Status);
            Assert.Equal(1, c.AttemptCount);
            Assert.NotNull(c.LeaseToken);
            Assert.Equal(Start.AddSeconds(1) + Lease, c.NextAttemptAt);
            Assert.Equal(Start.AddSeconds(1), c.LastAttemptAt);
            Assert.Equal("{\"id\":\"evt\"}", Encoding.UTF8.GetString(c.Body));
        });
        Assert.Empty(await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(2)), None));
    }

    [Fact]
    public async Task ClaimInboxItemsAsync_OtherWebhooksAndLimit_AreRespected()
    {
        await Store.InsertInboxItemAsync(NewInboxItem("evt_other", "shopify"), None);
        for (var i = 0; i < 5; i++)
        {
            await Store.InsertInboxItemAsync(NewInboxItem($"evt_{i}", at: Start.AddMilliseconds(i)), None);
        }

        var first = await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(1), maxItems: 3), None);
        var rest = await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(1), maxItems: 10), None);

        Assert.Equal(["evt_0", "evt_1", "evt_2"], first.Select(c => c.DeliveryId));
        Assert.Equal(["evt_3", "evt_4"], rest.Select(c => c.DeliveryId));
        Assert.Empty(await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(1), webhooks: []), None));
        Assert.Equal("evt_other", Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(1), webhooks: ["shopify"]), None)).DeliveryId);
    }

    [Fact]
    public async Task ClaimInboxItemsAsync_ConcurrentClaimsFromTwoStoreInstances_NeverShareAnItem()
    {
        var other = await CreateStoreAsync();
        for (var i = 0; i < 30; i++)
        {
            await Store.InsertInboxItemAsync(NewInboxItem($"evt_{i}"), None);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => (i % 2 == 0 ? Store : other).ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(1), maxItems: 4), None))));

        // Under SKIP LOCKED a claim racing another may come back short; drain what is left, then
        // every item must have been handed out exactly once.
        var ids = claims.SelectMany(c => c).Select(c => c.Id).ToList();
        ids.AddRange((await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(1), maxItems: 100), None)).Select(c => c.Id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(30, ids.Count);
    }

    [Fact]
    public async Task ClaimInboxItemsAsync_LeaseExpired_ClaimsAgainWithNewTokenAndNextAttempt()
    {
        await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        var first = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start), None));

        Assert.Empty(await Store.ClaimInboxItemsAsync(InboxClaim(Start + Lease - TimeSpan.FromMilliseconds(1)), None));
        var second = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start + Lease), None));

        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
        Assert.Equal(2, second.AttemptCount);
    }

    [Fact]
    public async Task CompleteInboxItemAsync_StaleLease_ChangesNothingAndNewerClaimStillCompletes()
    {
        await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        var stale = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start), None));
        var fresh = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start + Lease), None));

        Assert.False(await Store.CompleteInboxItemAsync(InboxDone(stale, Start + Lease, InboxOutcome.Dead, error: "late"), None));
        Assert.False(await Store.RenewInboxLeaseAsync(stale.Id, stale.LeaseToken!, Start.AddHours(1), None));

        var current = await Store.GetInboxItemAsync(fresh.Id, false, None);
        Assert.Equal(InboxStatus.Running, current!.Status);
        Assert.Equal(fresh.LeaseToken, current.LeaseToken);
        Assert.Null(current.LastError);
        Assert.True(await Store.CompleteInboxItemAsync(InboxDone(fresh, Start + Lease + TimeSpan.FromSeconds(1)), None));
        Assert.Equal(InboxStatus.Done, (await Store.GetInboxItemAsync(fresh.Id, false, None))!.Status);
        Assert.False(await Store.CompleteInboxItemAsync(InboxDone(fresh, Start + Lease + TimeSpan.FromSeconds(2)), None));
    }

    [Fact]
    public async Task RenewInboxLeaseAsync_LiveLease_KeepsOtherClaimsAway()
    {
        await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        var claimed = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start), None));

        Assert.True(await Store.RenewInboxLeaseAsync(claimed.Id, claimed.LeaseToken!, Start + Lease + Lease, None));

        Assert.Empty(await Store.ClaimInboxItemsAsync(InboxClaim(Start + Lease), None));
        Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start + Lease + Lease), None));
    }

    [Fact]
    public async Task CompleteInboxItemAsync_Retry_PendingUntilNextAttemptWithError()
    {
        var inserted = await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        var claimed = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start), None));

        Assert.True(await Store.CompleteInboxItemAsync(InboxDone(claimed, Start.AddSeconds(1), InboxOutcome.Retry, Start.AddSeconds(10), "boom"), None));

        var item = await Store.GetInboxItemAsync(inserted.Id, false, None);
        Assert.Equal((InboxStatus.Pending, 1, "boom", (DateTimeOffset?)Start.AddSeconds(10), (string?)null), (item!.Status, item.AttemptCount, item.LastError, item.NextAttemptAt, item.LeaseToken));
        Assert.Equal(Start.AddSeconds(10), await Store.GetNextInboxDueAsync(Start.AddSeconds(1), InboxWebhooks, None));
        Assert.Null(await Store.GetNextInboxDueAsync(Start.AddSeconds(1), ["github"], None));
        Assert.Empty(await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(9)), None));
        Assert.Equal(2, Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(10)), None)).AttemptCount);
    }

    [Fact]
    public async Task GetNextInboxDueAsync_RunningItem_ReportsLeaseExpiry()
    {
        await Store.InsertInboxItemAsync(NewInboxItem("evt_1", at: Start.AddSeconds(5)), None);
        Assert.Equal(Start.AddSeconds(5), await Store.GetNextInboxDueAsync(Start, InboxWebhooks, None));

        await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddSeconds(5)), None);

        Assert.Equal(Start.AddSeconds(5) + Lease, await Store.GetNextInboxDueAsync(Start.AddSeconds(5), InboxWebhooks, None));
    }

    [Fact]
    public async Task CompleteInboxItemAsync_Released_PendingNowWithoutCountingTheAttempt()
    {
        var inserted = await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        var claimed = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start), None));

        Assert.True(await Store.CompleteInboxItemAsync(InboxDone(claimed, Start.AddSeconds(1), InboxOutcome.Released), None));

        var item = await Store.GetInboxItemAsync(inserted.Id, false, None);
        Assert.Equal((InboxStatus.Pending, 0, (DateTimeOffset?)Start.AddSeconds(1)), (item!.Status, item.AttemptCount, item.NextAttemptAt));
    }

    [Fact]
    public async Task ClaimInboxItemsAsync_LeaseRanOutOnLastAttempt_DeadLettersInsteadOfClaiming()
    {
        var inserted = await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start, maxAttempts: 2), None));
        Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start + Lease, maxAttempts: 2), None));

        Assert.Empty(await Store.ClaimInboxItemsAsync(InboxClaim(Start + Lease + Lease, maxAttempts: 2), None));

        var item = await Store.GetInboxItemAsync(inserted.Id, false, None);
        Assert.Equal(InboxStatus.Dead, item!.Status);
        Assert.Equal(2, item.AttemptCount);
        Assert.Contains("lease", item.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await Store.GetNextInboxDueAsync(Start, InboxWebhooks, None));
    }

    [Fact]
    public async Task RequeueInboxItemAsync_DeadItem_PendingNowWithFreshAttempts()
    {
        var inserted = await Store.InsertInboxItemAsync(NewInboxItem("evt_1"), None);
        var claimed = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start), None));
        Assert.True(await Store.CompleteInboxItemAsync(InboxDone(claimed, Start.AddSeconds(1), InboxOutcome.Dead, error: "no luck"), None));
        var dead = await Store.GetInboxItemAsync(inserted.Id, false, None);
        Assert.Equal((InboxStatus.Dead, (DateTimeOffset?)Start.AddSeconds(1), "no luck"), (dead!.Status, dead.CompletedAt, dead.LastError));

        Assert.True(await Store.RequeueInboxItemAsync(inserted.Id, Start.AddMinutes(1), None));

        var requeued = await Store.GetInboxItemAsync(inserted.Id, false, None);
        Assert.Equal((InboxStatus.Pending, 0, (DateTimeOffset?)Start.AddMinutes(1), (DateTimeOffset?)null), (requeued!.Status, requeued.AttemptCount, requeued.NextAttemptAt, requeued.CompletedAt));
        Assert.False(await Store.RequeueInboxItemAsync(inserted.Id, Start.AddMinutes(1), None));
        Assert.False(await Store.RequeueInboxItemAsync(inserted.Id + 1000, Start.AddMinutes(1), None));
        Assert.Equal(1, Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start.AddMinutes(1)), None)).AttemptCount);
    }

    [Fact]
    public async Task RequeueDeadInboxItemsAsync_ByWebhook_RequeuesOnlyItsDeadItems()
    {
        foreach (var (id, webhook) in new[] { ("s1", "stripe"), ("s2", "stripe"), ("g1", "github"), ("s3", "stripe") })
        {
            await Store.InsertInboxItemAsync(NewInboxItem(id, webhook), None);
        }
        foreach (var claimed in await Store.ClaimInboxItemsAsync(InboxClaim(Start, maxItems: 3), None))
        {
            await Store.CompleteInboxItemAsync(InboxDone(claimed, Start, InboxOutcome.Dead, error: "x"), None);
        }

        Assert.Equal(2, await Store.RequeueDeadInboxItemsAsync("stripe", Start.AddMinutes(1), None));
        Assert.Equal(1, await Store.RequeueDeadInboxItemsAsync(null, Start.AddMinutes(1), None));
        Assert.Equal(0, await Store.RequeueDeadInboxItemsAsync(null, Start.AddMinutes(1), None));
        var counts = await Store.CountInboxItemsAsync(null, None);
        Assert.Equal((4L, 0L), (counts[InboxStatus.Pending], counts[InboxStatus.Dead]));
    }

    [Fact]
    public async Task ListInboxItemsAsync_FilteredAndPaged_NewestFirstWithoutBodies()
    {
        var ids = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await Store.InsertInboxItemAsync(NewInboxItem($"evt_{i}", i == 3 ? "github" : "stripe"), None)).Id);
        }
        var claimed = Assert.Single(await Store.ClaimInboxItemsAsync(InboxClaim(Start, maxItems: 1), None));
        await Store.CompleteInboxItemAsync(InboxDone(claimed, Start, InboxOutcome.Dead, error: "bad"), None);

        var page1 = await Store.ListInboxItemsAsync(new InboxListQuery { Webhook = "stripe", Limit = 4 }, None);
        var page2 = await Store.ListInboxItemsAsync(new InboxListQuery { Webhook = "stripe", Limit = 4, Before = page1[^1].Id }, None);
        var dead = await Store.ListInboxItemsAsync(new InboxListQuery { Status = InboxStatus.Dead }, None);

        Assert.Equal(new[] { ids[6], ids[5], ids[4], ids[2] }, page1.Select(i => i.Id));
        Assert.Equal(new[] { ids[1], ids[0] }, page2.Select(i => i.Id));
        Assert.All(page1, i => Assert.Empty(i.Body));
        Assert.All(page1, i => Assert.Equal(12, i.BodyLength));
        Assert.Equal(ids[0], Assert.Single(dead).Id);
        Assert.Equal("bad", dead[0].LastError);
    }

    [Fact]
    public async Task PurgeDoneInboxItemsAsync_OldDoneItems_RemovedAndTheirIdsAcceptedAgain()
    {
        await Store.InsertInboxItemAsync(NewInboxItem("old"), None);
        await Store.InsertInboxItemAsync(NewInboxItem("recent"), None);
        await Store.InsertInboxItemAsync(NewInboxItem("dead"), None);
        var claimed = await Store.ClaimInboxItemsAsync(InboxClaim(Start), None);
        await Store.CompleteInboxItemAsync(InboxDone(claimed.Single(c => c.DeliveryId == "old"), Start), None);
        await Store.CompleteInboxItemAsync(InboxDone(claimed.Single(c => c.DeliveryId == "recent"), Start.AddDays(2)), None);
        await Store.CompleteInboxItemAsync(InboxDone(claimed.Single(c => c.DeliveryId == "dead"), Start, InboxOutcome.Dead, error: "x"), None);

        Assert.Equal(1, await Store.PurgeDoneInboxItemsAsync(Start.AddDays(1), 100, None));

        Assert.False((await Store.InsertInboxItemAsync(NewInboxItem("old"), None)).Duplicate);
        Assert.True((await Store.InsertInboxItemAsync(NewInboxItem("recent"), None)).Duplicate);
        Assert.True((await Store.InsertInboxItemAsync(NewInboxItem("dead"), None)).Duplicate);
    }
}
