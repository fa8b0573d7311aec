using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Storage.Compliance;

public abstract partial class StoreComplianceSuite
{
    [Fact]
    public async Task GetOverviewAsync_MessagesAttemptsBacklogAndEndpoints_CountedPerBucket()
    {
        var app = await AddApplicationAsync(uid: "stats");
        var healthy = await AddEndpointAsync(app);
        var failing = await AddEndpointAsync(app);
        var disabled = await AddEndpointAsync(app, disabled: true);
        var first = await AddMessageAsync(app, [healthy, failing], at: Start.AddMinutes(10));
        await AddMessageAsync(app, [healthy], at: Start.AddMinutes(70));
        await AddMessageAsync(app, [], at: Start.AddMinutes(-30));

        // The first message: one success, one failure with a retry due at +2 h; the second stays due.
        var at = Start.AddMinutes(11);
        var claims = (await ClaimAsync(at)).Where(c => c.Message.Id == first.Id).ToList();
        await Store.CompleteAsync(
        [
            Succeeded(claims.Single(c => c.Endpoint.Id == healthy.Id), at),
            Retry(claims.Single(c => c.Endpoint.Id == failing.Id), at, Start.AddHours(2)),
        ], None);

        var overview = await Store.GetOverviewAsync(Start, Start.AddHours(3), TimeSpan.FromHours(1), Start.AddHours(3), 10, None);

        Assert.Equal([Start, Start.AddHours(1), Start.AddHours(2)], overview.Buckets.Select(b => b.Start));
        Assert.Equal([1L, 1, 0], overview.Buckets.Select(b => b.Messages));
        Assert.Equal([1L, 0, 0], overview.Buckets.Select(b => b.AttemptsSucceeded));
        Assert.Equal([1L, 0, 0], overview.Buckets.Select(b => b.AttemptsFailed));
        // Due at +3 h: the second message's delivery (never claimed, due since +70 min) and the retry (due +2 h).
        Assert.Equal(2, overview.BacklogDue);
        Assert.Equal(Start.AddMinutes(70), overview.OldestDueAt);
        var most = Assert.Single(overview.MostFailing);
        Assert.Equal((failing.Id, app.Id, 1L, ApplicationKind.Normal), (most.EndpointId, most.AppId, most.FailedAttempts, most.AppKind));
        Assert.Equal(app.Name, most.AppName);
        Assert.Equal([disabled.Id], overview.Disabled.Select(e => e.EndpointId));
    }

    [Fact]
    public async Task GetOverviewAsync_NothingHappened_EmptyBucketsAndNoBacklog()
    {
        var overview = await Store.GetOverviewAsync(Start, Start.AddDays(1), TimeSpan.FromHours(6), Start.AddDays(1), 10, None);

        Assert.Equal(4, overview.Buckets.Count);
        Assert.All(overview.Buckets, b => Assert.Equal((0L, 0L, 0L), (b.Messages, b.AttemptsSucceeded, b.AttemptsFailed)));
        Assert.Equal(0, overview.BacklogDue);
        Assert.Null(overview.OldestDueAt);
        Assert.Empty(overview.MostFailing);
        Assert.Empty(overview.Disabled);
    }
}
