using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

/// <summary>Endpoints: CRUD, uid scoped to the application, conflicts, re-enabling, delete.</summary>
public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task CreateEndpointAsync_ThenGetById_ReturnsEveryField()
    {
        var app = await AddApplicationAsync();
        var endpoint = NewEndpoint(app, uid: "billing") with
        {
            Description = "Billing service",
            EventTypes = ["invoice.paid", "invoice.voided"],
            Channels = ["project_1", "eu.west"],
            ThrottleRate = 12,
            MaxConcurrency = 3,
            Ordered = true,
            Metadata = new Dictionary<string, string> { ["owner"] = "billing" },
            Headers = new Dictionary<string, string> { ["X-Tenant"] = "42", ["X-Env"] = "prod" },
            Secrets =
            [
                new EndpointSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null),
                new EndpointSecret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", Start.AddHours(24)),
            ],
        };

        await Store.CreateEndpointAsync(endpoint, None);

        Assert.Equivalent(endpoint, await Store.GetEndpointAsync(app.Id, endpoint.Id, None), strict: true);
    }

    [Fact]
    public async Task CreateEndpointAsync_NoFilters_RoundTripsAsAcceptingEverything()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);

        var stored = await ReloadAsync(endpoint);

        // Null and empty both mean "all"; either may come back, but it must still accept everything.
        Assert.True(stored.EventTypes is null or { Count: 0 });
        Assert.True(stored.Channels is null or { Count: 0 });
        Assert.True(stored.Accepts("anything.at.all", null));
        Assert.Null(stored.FailingSince);
        Assert.False(stored.Disabled);
    }

    [Fact]
    public async Task GetEndpointAsync_ByUid_ReturnsEndpointOfThatApplicationOnly()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, uid: "billing");
        var sameUidElsewhere = await AddEndpointAsync(other, uid: "billing");

        Assert.Equal(endpoint.Id, (await Store.GetEndpointAsync(app.Id, "billing", None))?.Id);
        Assert.Equal(sameUidElsewhere.Id, (await Store.GetEndpointAsync(other.Id, "billing", None))?.Id);
        // An id is no key into another tenant's endpoints.
        Assert.Null(await Store.GetEndpointAsync(other.Id, endpoint.Id, None));
        Assert.Null(await Store.GetEndpointAsync(app.Id, "shipping", None));
    }

    [Fact]
    public async Task CreateEndpointAsync_UidTakenInApplication_ThrowsStoreConflict()
    {
        var app = await AddApplicationAsync();
        var first = await AddEndpointAsync(app, uid: "billing");

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreateEndpointAsync(NewEndpoint(app, uid: "billing"), None));

        Assert.Equal("uid", ex.Field);
        Assert.Equal([first.Id], (await Store.GetAllEndpointsAsync(app.Id, None)).Select(e => e.Id));
    }

    [Fact]
    public async Task CreateEndpointAsync_SeveralWithoutUid_AllCreated()
    {
        var app = await AddApplicationAsync();
        await AddEndpointAsync(app);
        await AddEndpointAsync(app);

        Assert.Equal(2, (await Store.GetAllEndpointsAsync(app.Id, None)).Count);
    }

    [Fact]
    public async Task UpdateEndpointAsync_Existing_ReplacesFields()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app, uid: "billing");
        var changed = endpoint with
        {
            Uid = "billing-v2",
            Url = "https://receiver.example/v2",
            Description = "v2",
            EventTypes = ["invoice.paid"],
            Channels = ["eu"],
            ThrottleRate = 3,
            MaxConcurrency = 1,
            Ordered = true,
            Headers = new Dictionary<string, string> { ["X-Version"] = "2" },
            Secrets = [new EndpointSecret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", null), new EndpointSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Start.AddDays(1))],
            UpdatedAt = Start.AddMinutes(5),
        };

        Assert.True(await Store.UpdateEndpointAsync(changed, None));

        Assert.Equivalent(changed, await Store.GetEndpointAsync(app.Id, "billing-v2", None), strict: true);
        Assert.Null(await Store.GetEndpointAsync(app.Id, "billing", None));
    }

    [Fact]
    public async Task UpdateEndpointAsync_Missing_ReturnsFalse()
    {
        var app = await AddApplicationAsync();

        Assert.False(await Store.UpdateEndpointAsync(NewEndpoint(app), None));
    }

    [Fact]
    public async Task UpdateEndpointAsync_OtherApplication_ReturnsFalseAndChangesNothing()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);

        Assert.False(await Store.UpdateEndpointAsync(endpoint with { AppId = other.Id, Url = "https://evil.example/" }, None));

        Assert.Equal(endpoint.Url, (await ReloadAsync(endpoint)).Url);
    }

    [Fact]
    public async Task UpdateEndpointAsync_UidTakenInApplication_ThrowsStoreConflict()
    {
        var app = await AddApplicationAsync();
        await AddEndpointAsync(app, uid: "billing");
        var second = await AddEndpointAsync(app, uid: "shipping");

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => Store.UpdateEndpointAsync(second with { Uid = "billing" }, None));

        Assert.Equal("uid", ex.Field);
        Assert.Equal("shipping", (await ReloadAsync(second)).Uid);
    }

    [Fact]
    public async Task UpdateEndpointAsync_ReEnabling_ClearsFailingSince()
    {
        var app = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);
        await AddMessageAsync(app, endpoint);
        var claimed = Assert.Single(await ClaimAsync(Start));
        await Store.CompleteAsync([Failed(claimed, Start.AddSeconds(1), statusCode: 410, disableEndpoint: true)], None);
        var disabled = await ReloadAsync(endpoint);
        Assert.True(disabled.Disabled);
        Assert.NotNull(disabled.FailingSince);

        Assert.True(await Store.UpdateEndpointAsync(disabled with { Disabled = false, UpdatedAt = Start.AddMinutes(1) }, None));

        var enabled = await ReloadAsync(endpoint);
        Assert.False(enabled.Disabled);
        Assert.Null(enabled.FailingSince);
    }

    [Fact]
    public async Task ListEndpointsAsync_OrderedById_WithinApplication()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < 5; i++)
        {
            var endpoint = NewEndpoint(app, at: Start.AddSeconds(5 - i));
            await Store.CreateEndpointAsync(endpoint, None);
            endpoints.Add(endpoint);
        }
        await AddEndpointAsync(other);

        var page = await Store.ListEndpointsAsync(app.Id, new ListQuery(), None);

        Assert.Equal(endpoints.Select(e => e.Id).Order(StringComparer.Ordinal), page.Data.Select(e => e.Id));
        Assert.True(page.Done);
    }

    [Fact]
    public async Task GetAllEndpointsAsync_IncludesDisabled()
    {
        var app = await AddApplicationAsync();
        var enabled = await AddEndpointAsync(app);
        var disabled = await AddEndpointAsync(app, disabled: true);

        var all = await Store.GetAllEndpointsAsync(app.Id, None);

        Assert.Equal(new[] { enabled.Id, disabled.Id }.Order(StringComparer.Ordinal), all.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.True(all.Single(e => e.Id == disabled.Id).Disabled);
    }

    [Fact]
    public async Task DeleteEndpointAsync_Existing_DropsPendingDeliveriesKeepsAttempts()
    {
        var app = await AddApplicationAsync();
        var doomed = await AddEndpointAsync(app);
        var kept = await AddEndpointAsync(app);
        var first = await AddMessageAsync(app, [doomed, kept]);
        var attempted = Assert.Single(await ClaimAsync(Start), c => c.Endpoint.Id == doomed.Id);
        await Store.CompleteAsync([Retry(attempted, Start.AddSeconds(1), Start.AddMinutes(5))], None);
        await AddMessageAsync(app, doomed, at: Start.AddSeconds(2));

        Assert.True(await Store.DeleteEndpointAsync(app.Id, doomed.Id, None));

        Assert.Null(await Store.GetEndpointAsync(app.Id, doomed.Id, None));
        var later = await ClaimAsync(Start.AddDays(1));
        Assert.Equal([kept.Id], later.Select(c => c.Endpoint.Id));
        Assert.DoesNotContain((await Store.ListMessageDestinationsAsync(app.Id, first.Id, new ListQuery(), None)).Data, d => d.Endpoint.Id == doomed.Id);
        var attempts = await Store.ListAttemptsByMessageAsync(app.Id, first.Id, new AttemptFilter(), new ListQuery(), None);
        Assert.Equal(doomed.Id, Assert.Single(attempts.Data).EndpointId);
    }

    [Fact]
    public async Task DeleteEndpointAsync_MissingOrOtherApplication_ReturnsFalse()
    {
        var app = await AddApplicationAsync();
        var other = await AddApplicationAsync();
        var endpoint = await AddEndpointAsync(app);

        Assert.False(await Store.DeleteEndpointAsync(app.Id, NewEndpoint(app).Id, None));
        Assert.False(await Store.DeleteEndpointAsync(other.Id, endpoint.Id, None));

        Assert.NotNull(await Store.GetEndpointAsync(app.Id, endpoint.Id, None));
    }
}
