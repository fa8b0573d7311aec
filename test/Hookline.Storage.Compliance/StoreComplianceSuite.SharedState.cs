using Hookline.Core.Ids;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>The small state every node shares: idempotency keys, settings, app tokens, background tasks; and migrations.</summary>
public abstract partial class StoreComplianceSuite
{
    private static readonly IdempotentResponse Accepted = new(202, "application/json", [.. """{"id":"msg_1"}"""u8]);

    [Fact]
    public async Task TryAcquireIdempotencyKeyAsync_NewKey_AcquiredThenInProgress()
    {
        var expires = Start.AddDays(1);

        var first = await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, expires, None);
        var second = await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddSeconds(5), expires, None);
        var otherKey = await Store.TryAcquireIdempotencyKeyAsync("key-2", Start.AddSeconds(5), expires, None);

        Assert.Equal((IdempotencyState.Acquired, null), first);
        Assert.Equal((IdempotencyState.InProgress, null), second);
        Assert.Equal(IdempotencyState.Acquired, otherKey.State);
    }

    [Fact]
    public async Task CompleteIdempotencyKeyAsync_ThenAcquire_ReplaysStoredResponse()
    {
        await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddDays(1), None);

        await Store.CompleteIdempotencyKeyAsync("key-1", Accepted, None);
        var (state, response) = await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddHours(1), Start.AddDays(2), None);

        Assert.Equal(IdempotencyState.Completed, state);
        Assert.NotNull(response);
        Assert.Equal(Accepted.StatusCode, response.StatusCode);
        Assert.Equal(Accepted.ContentType, response.ContentType);
        Assert.Equal(Accepted.Body, response.Body);
    }

    [Fact]
    public async Task CompleteIdempotencyKeyAsync_EmptyBodyNoContentType_RoundTrips()
    {
        await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddDays(1), None);

        await Store.CompleteIdempotencyKeyAsync("key-1", new IdempotentResponse(204, null, []), None);
        var (state, response) = await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddMinutes(5), Start.AddDays(1), None);

        Assert.Equal(IdempotencyState.Completed, state);
        Assert.Equal(204, response?.StatusCode);
        Assert.Null(response?.ContentType);
        Assert.Empty(response?.Body ?? [0]);
    }

    [Fact]
    public async Task AbandonIdempotencyKeyAsync_Acquired_KeyFreeAgain()
    {
        await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddDays(1), None);

        await Store.AbandonIdempotencyKeyAsync("key-1", None);

        Assert.Equal(IdempotencyState.Acquired, (await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddSeconds(1), Start.AddDays(1), None)).State);
    }

    [Fact]
    public async Task AbandonIdempotencyKeyAsync_Completed_KeepsStoredResponse()
    {
        // Only an acquired (in-progress) key is forgotten; a stored answer is what retries must get.
        await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddDays(1), None);
        await Store.CompleteIdempotencyKeyAsync("key-1", Accepted, None);

        await Store.AbandonIdempotencyKeyAsync("key-1", None);

        Assert.Equal(IdempotencyState.Completed, (await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddSeconds(1), Start.AddDays(1), None)).State);
    }

    [Fact]
    public async Task TryAcquireIdempotencyKeyAsync_Expired_AcquiredAfresh()
    {
        await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddHours(1), None);
        await Store.CompleteIdempotencyKeyAsync("key-1", Accepted, None);

        Assert.Equal(IdempotencyState.Completed, (await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddMinutes(59), Start.AddDays(1), None)).State);
        Assert.Equal((IdempotencyState.Acquired, null), await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddHours(1).AddSeconds(1), Start.AddDays(1), None));
    }

    [Fact]
    public async Task TryAcquireIdempotencyKeyAsync_InProgressOverAMinute_TakenOver()
    {
        // The first request's node died before answering; after a minute a retry may run.
        await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddDays(1), None);

        Assert.Equal(IdempotencyState.InProgress, (await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddSeconds(50), Start.AddDays(1), None)).State);
        Assert.Equal(IdempotencyState.Acquired, (await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddSeconds(61), Start.AddDays(1), None)).State);
        Assert.Equal(IdempotencyState.InProgress, (await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddSeconds(62), Start.AddDays(1), None)).State);
    }

    [Fact]
    public async Task TryAcquireIdempotencyKeyAsync_CompletedOverAMinute_StillReplayed()
    {
        await Store.TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddDays(1), None);
        await Store.CompleteIdempotencyKeyAsync("key-1", Accepted, None);

        Assert.Equal(IdempotencyState.Completed, (await Store.TryAcquireIdempotencyKeyAsync("key-1", Start.AddHours(5), Start.AddDays(2), None)).State);
    }

    [Fact]
    public async Task TryAcquireIdempotencyKeyAsync_ParallelCallers_ExactlyOneAcquires()
    {
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            stores[i % 2].TryAcquireIdempotencyKeyAsync("key-1", Start, Start.AddDays(1), None))));

        Assert.Equal(1, results.Count(r => r.State == IdempotencyState.Acquired));
        Assert.Equal(15, results.Count(r => r.State == IdempotencyState.InProgress));
    }

    [Fact]
    public async Task PurgeExpiredIdempotencyKeysAsync_RemovesExpiredOnly()
    {
        await Store.TryAcquireIdempotencyKeyAsync("old-1", Start, Start.AddHours(1), None);
        await Store.TryAcquireIdempotencyKeyAsync("old-2", Start, Start.AddHours(2), None);
        await Store.CompleteIdempotencyKeyAsync("old-2", Accepted, None);
        await Store.TryAcquireIdempotencyKeyAsync("fresh", Start, Start.AddDays(1), None);
        await Store.CompleteIdempotencyKeyAsync("fresh", Accepted, None);

        Assert.Equal(2, await Store.PurgeExpiredIdempotencyKeysAsync(Start.AddHours(3), None));

        Assert.Equal(IdempotencyState.Completed, (await Store.TryAcquireIdempotencyKeyAsync("fresh", Start.AddHours(3), Start.AddDays(1), None)).State);
        Assert.Equal(0, await Store.PurgeExpiredIdempotencyKeysAsync(Start.AddHours(3), None));
    }

    [Fact]
    public async Task SetSettingIfAbsentAsync_Absent_StoresAndReturnsValue()
    {
        Assert.Null(await Store.GetSettingAsync("admin_token_hash", None));

        Assert.Equal("first", await Store.SetSettingIfAbsentAsync("admin_token_hash", "first", None));
        Assert.Equal("first", await Store.SetSettingIfAbsentAsync("admin_token_hash", "second", None));

        Assert.Equal("first", await Store.GetSettingAsync("admin_token_hash", None));
    }

    [Fact]
    public async Task SetSettingIfAbsentAsync_ParallelCallers_AllGetTheSameValue()
    {
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        var values = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            stores[i % 2].SetSettingIfAbsentAsync("admin_token_hash", $"value-{i}", None))));

        var stored = await Store.GetSettingAsync("admin_token_hash", None);
        Assert.NotNull(stored);
        Assert.All(values, v => Assert.Equal(stored, v));
    }

    [Fact]
    public async Task SetSettingAsync_Existing_Overwrites()
    {
        await Store.SetSettingAsync("name", "one", None);
        await Store.SetSettingAsync("name", "two", None);

        Assert.Equal("two", await Store.GetSettingAsync("name", None));
        Assert.Equal("two", await Store.SetSettingIfAbsentAsync("name", "three", None));
    }

    [Fact]
    public async Task GetAppTokenAsync_UntilExpiry_ReturnsApplication()
    {
        var app = await AddApplicationAsync();
        await Store.CreateAppTokenAsync("hash-1", app.Id, Start.AddHours(1), None);

        Assert.Equal(app.Id, await Store.GetAppTokenAsync("hash-1", Start, None));
        Assert.Equal(app.Id, await Store.GetAppTokenAsync("hash-1", Start.AddMinutes(59), None));
        Assert.Null(await Store.GetAppTokenAsync("hash-1", Start.AddHours(1).AddSeconds(1), None));
        Assert.Null(await Store.GetAppTokenAsync("hash-2", Start, None));
    }

    [Fact]
    public async Task DeleteAppTokenAsync_Existing_TokenNoLongerValid()
    {
        var app = await AddApplicationAsync();
        await Store.CreateAppTokenAsync("hash-1", app.Id, Start.AddHours(1), None);
        await Store.CreateAppTokenAsync("hash-2", app.Id, Start.AddHours(1), None);

        await Store.DeleteAppTokenAsync("hash-1", None);

        Assert.Null(await Store.GetAppTokenAsync("hash-1", Start, None));
        Assert.Equal(app.Id, await Store.GetAppTokenAsync("hash-2", Start, None));
    }

    private static BackgroundTask NewTask(string type = "endpoint.recover", DateTimeOffset? at = null) => new()
    {
        Id = HooklineIds.New(HooklineIds.Task, at ?? Start),
        Type = type,
        Status = "running",
        DataJson = """{"endpointId":"ep_1","since":"2025-03-01T00:00:00Z"}""",
        CreatedAt = at ?? Start,
        UpdatedAt = at ?? Start,
    };

    [Fact]
    public async Task CreateTaskAsync_ThenGet_ReturnsEveryField()
    {
        var task = NewTask();

        await Store.CreateTaskAsync(task, None);

        Assert.Equal(task, await Store.GetTaskAsync(task.Id, None));
        Assert.Null(await Store.GetTaskAsync(NewTask().Id, None));
    }

    [Fact]
    public async Task ListTasksAsync_FilteredByStatusAndType_NewestFirst()
    {
        var first = NewTask(at: Start);
        var second = NewTask(type: "ingest.replay", at: Start.AddSeconds(1));
        var third = NewTask(at: Start.AddSeconds(2));
        foreach (var task in new[] { first, second, third })
        {
            await Store.CreateTaskAsync(task, None);
        }
        await Store.UpdateTaskAsync(third.Id, "finished", third.DataJson, Start.AddSeconds(3), None);

        async Task<List<string>> ListAsync(string? status, string? type) =>
            [.. (await Store.ListTasksAsync(new ListQuery { Descending = true }, status, type, None)).Data.Select(t => t.Id)];

        Assert.Equal([third.Id, second.Id, first.Id], await ListAsync(null, null));
        Assert.Equal([second.Id, first.Id], await ListAsync("running", null));
        Assert.Equal([third.Id, first.Id], await ListAsync(null, "endpoint.recover"));
        Assert.Equal([first.Id], await ListAsync("running", "endpoint.recover"));
    }

    [Fact]
    public async Task ClaimTaskAsync_Leased_NotClaimedAgainUntilLeaseExpires()
    {
        var task = NewTask();
        await Store.CreateTaskAsync(task, None);
        var lease = TimeSpan.FromMinutes(1);

        Assert.Equal(task.Id, (await Store.ClaimTaskAsync(Start, lease, None))?.Id);
        Assert.Null(await Store.ClaimTaskAsync(Start.AddSeconds(59), lease, None));
        Assert.Equal(task.Id, (await Store.ClaimTaskAsync(Start.AddSeconds(61), lease, None))?.Id);
    }

    [Fact]
    public async Task UpdateTaskAsync_Finished_StoredAndNoLongerClaimable()
    {
        var task = NewTask();
        await Store.CreateTaskAsync(task, None);
        Assert.NotNull(await Store.ClaimTaskAsync(Start, TimeSpan.FromMinutes(1), None));

        await Store.UpdateTaskAsync(task.Id, "finished", """{"recovered":3}""", Start.AddSeconds(10), None);

        Assert.Equal(task with { Status = "finished", DataJson = """{"recovered":3}""", UpdatedAt = Start.AddSeconds(10) }, await Store.GetTaskAsync(task.Id, None));
        Assert.Null(await Store.ClaimTaskAsync(Start.AddHours(1), TimeSpan.FromMinutes(1), None));
    }

    [Fact]
    public async Task ClaimTaskAsync_ParallelClaimers_EachTaskToOneClaimer()
    {
        for (var i = 0; i < 3; i++)
        {
            await Store.CreateTaskAsync(NewTask(at: Start.AddMilliseconds(i)), None);
        }
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        var claimed = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            stores[i % 2].ClaimTaskAsync(Start.AddSeconds(1), TimeSpan.FromMinutes(5), None))));

        var ids = claimed.Where(t => t is not null).Select(t => t!.Id).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public async Task MigrateAsync_Twice_IsNoOp()
    {
        var app = await AddApplicationAsync(uid: "acme");
        await AddMessageAsync(app, await AddEndpointAsync(app));

        await Store.MigrateAsync(None);
        await Store.MigrateAsync(None);

        Assert.Equal(app.Id, (await Store.GetApplicationAsync("acme", None))?.Id);
        Assert.Single(await ClaimAsync(Start));
    }

    [Fact]
    public async Task MigrateAsync_TwoStoresAtOnceOnOneDatabase_BothSucceed()
    {
        // The suite's own store already migrated this test's database; two more instances open it
        // from scratch and migrate at the same moment, as two nodes starting together would.
        var first = await OpenTrackedStoreAsync();
        var second = await OpenTrackedStoreAsync();

        await Task.WhenAll(Task.Run(() => first.MigrateAsync(None)), Task.Run(() => second.MigrateAsync(None)));

        var app = NewApplication(uid: "acme");
        await first.CreateApplicationAsync(app, None);
        Assert.Equal(app.Id, (await second.GetApplicationAsync("acme", None))?.Id);
    }
}
