using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hookline.Server.Stats;

/// <summary>Hookline: one time bucket of the overview.</summary>
public sealed record StatsBucketOut(DateTimeOffset Start, long Messages, long AttemptsSucceeded, long AttemptsFailed);

/// <summary>Hookline: an endpoint in the overview, with where it belongs: an application (<c>appId</c>), an ingest source (<c>sourceId</c>) or the operational webhooks.</summary>
public sealed record StatsEndpointOut(
    string EndpointId,
    string Url,
    string AppId,
    string AppName,
    string Kind,
    string? SourceId,
    bool Disabled,
    DateTimeOffset? FailingSince,
    DateTimeOffset UpdatedAt,
    long FailedAttempts);

/// <summary>Hookline: the deliveries due now and how long the oldest of them has waited.</summary>
public sealed record BacklogOut(long Due, DateTimeOffset? OldestDueAt);

/// <summary>Hookline: what the operator's dashboard shows first.</summary>
public sealed record StatsOverviewOut(
    DateTimeOffset Since,
    DateTimeOffset Until,
    long BucketSeconds,
    IReadOnlyList<StatsBucketOut> Buckets,
    BacklogOut Backlog,
    IReadOnlyList<StatsEndpointOut> MostFailingEndpoints,
    IReadOnlyList<StatsEndpointOut> DisabledEndpoints);

/// <summary>Hookline's operator statistics (admin only).</summary>
internal static class StatsApi
{
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(90);
    public const int TopEndpoints = 10;

    public static RouteGroupBuilder MapStatsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/stats/overview", OverviewAsync).WithTags("Statistics").WithName("hookline.stats.overview")
            .WithSummary("Messages and attempts over time, the due backlog, and the failing and disabled endpoints");
        return api;
    }

    /// <summary>
    /// Over <c>since</c>–<c>until</c> (the last 24 hours by default, at most 90 days), in buckets of an
    /// hour (up to 2 days), 6 hours (up to 14 days) or a day.
    /// </summary>
    private static async Task<Ok<StatsOverviewOut>> OverviewAsync(HttpContext context, IStatsStore store, TimeProvider time, DateTimeOffset? since, DateTimeOffset? until)
    {
        ApiCaller.Get(context).RequireAdmin();
        var now = time.GetUtcNow();
        var end = until ?? now;
        var start = since ?? end.AddDays(-1);
        var v = new Validation();
        if (start >= end)
        {
            v.Add(["query", "since"], "'since' must be before 'until'.");
        }
        else if (end - start > MaxRange)
        {
            v.Add(["query", "since"], $"The range may span at most {MaxRange.TotalDays} days.");
        }
        v.ThrowIfAny();
        var span = end - start;
        var bucket = span <= TimeSpan.FromDays(2) ? TimeSpan.FromHours(1) : span <= TimeSpan.FromDays(14) ? TimeSpan.FromHours(6) : TimeSpan.FromDays(1);
        var overview = await store.GetOverviewAsync(start, end, bucket, now, TopEndpoints, context.RequestAborted);
        return TypedResults.Ok(new StatsOverviewOut(
            start,
            end,
            (long)bucket.TotalSeconds,
            [.. overview.Buckets.Select(b => new StatsBucketOut(b.Start, b.Messages, b.AttemptsSucceeded, b.AttemptsFailed))],
            new BacklogOut(overview.BacklogDue, overview.OldestDueAt),
            [.. overview.MostFailing.Select(ToOut)],
            [.. overview.Disabled.Select(ToOut)]));
    }

    private static StatsEndpointOut ToOut(EndpointSummary e) => new(
        e.EndpointId,
        e.Url,
        e.AppId,
        e.AppName,
        e.AppKind switch { ApplicationKind.Source => "source", ApplicationKind.Operational => "operational", _ => "application" },
        e.SourceId,
        e.Disabled,
        e.FailingSince,
        e.UpdatedAt,
        e.FailedAttempts);
}
