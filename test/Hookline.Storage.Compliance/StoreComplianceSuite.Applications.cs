using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Applications and event types: CRUD, uid lookup, conflicts, and the application delete cascade.</summary>
public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task CreateApplicationAsync_ThenGetById_ReturnsEveryField()
    {
        var app = NewApplication(uid: "acme", throttleRate: 7) with
        {
            Metadata = new Dictionary<string, string> { ["team"] = "payments", ["région"] = "eu-west" },
        };

        await Store.CreateApplicationAsync(app, None);

        Assert.Equivalent(app, await Store.GetApplicationAsync(app.Id, None), strict: true);
    }

    [Fact]
    public async Task GetApplicationAsync_ByUid_ReturnsApplication()
    {
        var app = await AddApplicationAsync(uid: "acme");
        await AddApplicationAsync(uid: "other");

        var found = await Store.GetApplicationAsync("acme", None);

        Assert.Equal(app.Id, found?.Id);
    }

    [Fact]
    public async Task GetApplicationAsync_Unknown_ReturnsNull()
    {
        await AddApplicationAsync(uid: "acme");

        Assert.Null(await Store.GetApplicationAsync("nobody", None));
        Assert.Null(await Store.GetApplicationAsync(NewApplication().Id, None));
    }

    [Fact]
    public async Task CreateApplicationAsync_UidTaken_ThrowsStoreConflict()
    {
        var first = await AddApplicationAsync(uid: "acme");

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreateApplicationAsync(NewApplication(uid: "acme"), None));

        Assert.Equal("uid", ex.Field);
        var page = await Store.ListApplicationsAsync(new ListQuery(), null, None);
        Assert.Equal(first.Id, Assert.Single(page.Data).Id);
    }

    [Fact]
    public async Task CreateApplicationAsync_SameUidFromParallelWriters_OneWinsOthersConflict()
    {
        var other = await CreateStoreAsync();
        IHooklineStore[] stores = [Store, other];

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await stores[i % 2].CreateApplicationAsync(NewApplication(uid: "acme"), None);
                return "created";
            }
            catch (StoreConflictException)
            {
                return "conflict";
            }
        })));

        Assert.Single(outcomes, o => o == "created");
        Assert.Equal(7, outcomes.Count(o => o == "conflict"));
    }

    [Fact]
    public async Task CreateApplicationAsync_SeveralWithoutUid_AllCreated()
    {
        await AddApplicationAsync();
        await AddApplicationAsync();

        var page = await Store.ListApplicationsAsync(new ListQuery(), null, None);

        Assert.Equal(2, page.Data.Count);
    }

    [Fact]
    public async Task UpdateApplicationAsync_Existing_ReplacesFields()
    {
        var app = await AddApplicationAsync(uid: "acme", throttleRate: 5);
        var changed = app with
        {
            Uid = "acme-2",
            Name = "Renamed",
            ThrottleRate = null,
            Metadata = new Dictionary<string, string> { ["tier"] = "gold" },
            UpdatedAt = Start.AddMinutes(1),
        };

        Assert.True(await Store.UpdateApplicationAsync(changed, None));

        Assert.Equivalent(changed, await Store.GetApplicationAsync(app.Id, None), strict: true);
        Assert.Null(await Store.GetApplicationAsync("acme", None));
        Assert.Equal(app.Id, (await Store.GetApplicationAsync("acme-2", None))?.Id);
    }

    [Fact]
    public async Task UpdateApplicationAsync_Missing_ReturnsFalse()
    {
        Assert.False(await Store.UpdateApplicationAsync(NewApplication(uid: "ghost"), None));

        Assert.Null(await Store.GetApplicationAsync("ghost", None));
    }

    [Fact]
    public async Task UpdateApplicationAsync_UidTakenByAnother_ThrowsStoreConflict()
    {
        await AddApplicationAsync(uid: "acme");
        var other = await AddApplicationAsync(uid: "other");

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => Store.UpdateApplicationAsync(other with { Uid = "acme" }, None));

        Assert.Equal("uid", ex.Field);
        Assert.Equal("other", (await Store.GetApplicationAsync(other.Id, None))?.Uid);
    }

    [Fact]
    public async Task ListApplicationsAsync_InternalApplications_AreHidden()
    {
        var normal = await AddApplicationAsync();
        var source = await AddApplicationAsync(kind: ApplicationKind.Source);
        var operational = await AddApplicationAsync(kind: ApplicationKind.Operational);

        var page = await Store.ListApplicationsAsync(new ListQuery(), null, None);

        Assert.Equal([normal.Id], page.Data.Select(a => a.Id));
        // Hidden from the list, not from lookups: ingest and operational webhooks use them by id.
        Assert.Equal(ApplicationKind.Source, (await Store.GetApplicationAsync(source.Id, None))?.Kind);
        Assert.Equal(ApplicationKind.Operational, (await Store.GetApplicationAsync(operational.Id, None))?.Kind);
    }

    [Fact]
    public async Task ListApplicationsAsync_Search_MatchesIdUidOrPartOfTheNameIgnoringCase()
    {
        var acme = await AddApplicationAsync(uid: "acme-corp");
        var globex = await AddApplicationAsync(uid: "globex");
        await Store.UpdateApplicationAsync(globex with { Name = "Globex 100%_Corp" }, None);
        await AddApplicationAsync(kind: ApplicationKind.Source);

        async Task<List<string>> SearchAsync(string text) =>
            [.. (await Store.ListApplicationsAsync(new ListQuery(), text, None)).Data.Select(a => a.Id)];

        Assert.Equal([acme.Id], await SearchAsync("acme-corp"));
        Assert.Equal([globex.Id], await SearchAsync(globex.Id));
        Assert.Equal([globex.Id], await SearchAsync("gLoBeX 1"));
        // LIKE's wildcards in the search are taken literally.
        Assert.Equal([globex.Id], await SearchAsync("100%_c"));
        Assert.Empty(await SearchAsync("100%x"));
        Assert.Equal([acme.Id], await SearchAsync("app"));
    }

    [Fact]
    public async Task DeleteApplicationAsync_Existing_RemovesEndpointsMessagesDeliveriesAndAttempts()
    {
        var doomed = await AddApplicationAsync(uid: "doomed");
        var kept = await AddApplicationAsync(uid: "kept");
        var doomedEndpoint = await AddEndpointAsync(doomed);
        var keptEndpoint = await AddEndpointAsync(kept);
        var delivered = await AddMessageAsync(doomed, doomedEndpoint, eventId: "evt-1");
        var waiting = await AddMessageAsync(doomed, doomedEndpoint, at: Start.AddMilliseconds(1));
        var keptMessage = await AddMessageAsync(kept, keptEndpoint);
        var claimed = await ClaimAsync(Start);
        await Store.CompleteAsync(claimed.Where(c => c.Message.Id != waiting.Id).Select(c => Retry(c, Start, Start.AddHours(1))).ToArray(), None);
        var doomedAttempt = (await Store.ListAttemptsByMessageAsync(doomed.Id, delivered.Id, new AttemptFilter(), new ListQuery(), None)).Data.Single();

        Assert.True(await Store.DeleteApplicationAsync(doomed.Id, None));

        Assert.Null(await Store.GetApplicationAsync(doomed.Id, None));
        Assert.Null(await Store.GetApplicationAsync("doomed", None));
        Assert.Null(await Store.GetEndpointAsync(doomed.Id, doomedEndpoint.Id, None));
        Assert.Empty(await Store.GetAllEndpointsAsync(doomed.Id, None));
        Assert.Null(await Store.GetMessageAsync(doomed.Id, delivered.Id, None));
        Assert.Null(await Store.GetMessageAsync(doomed.Id, "evt-1", None));
        Assert.Empty((await Store.ListMessagesAsync(doomed.Id, new MessageFilter(), new ListQuery(), withContent: true, None)).Data);
        Assert.Empty((await Store.ListMessageDestinationsAsync(doomed.Id, delivered.Id, new ListQuery(), None)).Data);
        Assert.Empty((await Store.ListEndpointMessagesAsync(doomed.Id, doomedEndpoint.Id, new MessageFilter(), new ListQuery(), withContent: false, None)).Data);
        Assert.Empty((await Store.ListAttemptsByEndpointAsync(doomed.Id, doomedEndpoint.Id, new AttemptFilter(), new ListQuery(), None)).Data);
        Assert.Null(await Store.GetAttemptAsync(doomed.Id, delivered.Id, doomedAttempt.Id, None));
        // The deliveries are gone too: nothing of the deleted application is ever claimed again.
        var later = await ClaimAsync(Start.AddDays(1));
        Assert.Equal([keptMessage.Id], later.Select(c => c.Message.Id));

        Assert.NotNull(await Store.GetApplicationAsync(kept.Id, None));
        Assert.NotNull(await Store.GetEndpointAsync(kept.Id, keptEndpoint.Id, None));
        Assert.NotNull(await Store.GetMessageAsync(kept.Id, keptMessage.Id, None));
        Assert.Single((await Store.ListAttemptsByEndpointAsync(kept.Id, keptEndpoint.Id, new AttemptFilter(), new ListQuery(), None)).Data);
    }

    [Fact]
    public async Task DeleteApplicationAsync_Missing_ReturnsFalse()
    {
        var app = await AddApplicationAsync();

        Assert.False(await Store.DeleteApplicationAsync(NewApplication().Id, None));
        Assert.NotNull(await Store.GetApplicationAsync(app.Id, None));
    }

    private static EventType NewEventType(string name, bool archived = false) => new()
    {
        Name = name,
        Description = "When " + name + " happens",
        SchemasJson = """{"1":{"type":"object","properties":{"id":{"type":"string"}}}}""",
        Archived = archived,
        Deprecated = false,
        FeatureFlag = null,
        CreatedAt = Start,
        UpdatedAt = Start,
    };

    [Fact]
    public async Task CreateEventTypeAsync_ThenGet_ReturnsEveryField()
    {
        var eventType = NewEventType("invoice.paid") with { Deprecated = true, FeatureFlag = "beta-invoices" };

        await Store.CreateEventTypeAsync(eventType, None);

        Assert.Equal(eventType, await Store.GetEventTypeAsync("invoice.paid", None));
        Assert.Null(await Store.GetEventTypeAsync("invoice.voided", None));
    }

    [Fact]
    public async Task CreateEventTypeAsync_NameTaken_ThrowsStoreConflict()
    {
        await Store.CreateEventTypeAsync(NewEventType("invoice.paid"), None);

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreateEventTypeAsync(NewEventType("invoice.paid") with { Description = "again" }, None));

        Assert.Equal("name", ex.Field);
        Assert.Equal("When invoice.paid happens", (await Store.GetEventTypeAsync("invoice.paid", None))?.Description);
    }

    [Fact]
    public async Task ListEventTypesAsync_ArchivedOnlyWhenAsked_OrderedByName()
    {
        await Store.CreateEventTypeAsync(NewEventType("user.deleted"), None);
        await Store.CreateEventTypeAsync(NewEventType("invoice.paid", archived: true), None);
        await Store.CreateEventTypeAsync(NewEventType("user.created"), None);

        var active = await Store.ListEventTypesAsync(new ListQuery(), includeArchived: false, None);
        var all = await Store.ListEventTypesAsync(new ListQuery(), includeArchived: true, None);

        Assert.Equal(["user.created", "user.deleted"], active.Data.Select(e => e.Name));
        Assert.Equal(["invoice.paid", "user.created", "user.deleted"], all.Data.Select(e => e.Name));
    }

    [Fact]
    public async Task UpdateEventTypeAsync_Existing_ReplacesFields()
    {
        await Store.CreateEventTypeAsync(NewEventType("invoice.paid"), None);
        var changed = NewEventType("invoice.paid", archived: true) with { Description = "Paid", SchemasJson = null, UpdatedAt = Start.AddHours(1) };

        Assert.True(await Store.UpdateEventTypeAsync(changed, None));

        Assert.Equal(changed, await Store.GetEventTypeAsync("invoice.paid", None));
    }

    [Fact]
    public async Task UpdateEventTypeAsync_Missing_ReturnsFalse()
    {
        Assert.False(await Store.UpdateEventTypeAsync(NewEventType("invoice.paid"), None));

        Assert.Null(await Store.GetEventTypeAsync("invoice.paid", None));
    }

    [Fact]
    public async Task DeleteEventTypeAsync_Existing_RemovesItOnly()
    {
        await Store.CreateEventTypeAsync(NewEventType("invoice.paid"), None);
        await Store.CreateEventTypeAsync(NewEventType("invoice.voided"), None);

        Assert.True(await Store.DeleteEventTypeAsync("invoice.paid", None));
        Assert.False(await Store.DeleteEventTypeAsync("invoice.paid", None));

        Assert.Null(await Store.GetEventTypeAsync("invoice.paid", None));
        Assert.NotNull(await Store.GetEventTypeAsync("invoice.voided", None));
    }
}
