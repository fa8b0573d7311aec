using Hookline.Core.Model;

namespace Hookline.Core.Storage;

/// <summary>Messages accepted and attempts made in one time bucket.</summary>
public sealed record StatsBucket(DateTimeOffset Start, long Messages, long AttemptsSucceeded, long AttemptsFailed);

/// <summary>An endpoint with the application (or ingest source) it belongs to, for the overview's lists.</summary>
public sealed record EndpointSummary(
    string AppId,
    string AppName,
    ApplicationKind AppKind,
    string? SourceId,
    string EndpointId,
    string Url,
    bool Disabled,
    DateTimeOffset? FailingSince,
    DateTimeOffset UpdatedAt,
    long FailedAttempts);

/// <summary>What the operator's overview shows: traffic over time, the backlog, and the endpoints in trouble.</summary>
public sealed record StatsOverview(
    IReadOnlyList<StatsBucket> Buckets,
    long BacklogDue,
    DateTimeOffset? OldestDueAt,
    IReadOnlyList<EndpointSummary> MostFailing,
    IReadOnlyList<EndpointSummary> Disabled);

public interface IStatsStore
{
    /// <summary>
    /// Counts over <paramref name="since"/>–<paramref name="until"/> in buckets of <paramref name="bucket"/>
    /// (empty buckets included), the deliveries due at <paramref name="now"/>, the endpoints with the most
    /// failed attempts in the window (at most <paramref name="top"/>) and the disabled endpoints (at most
    /// <paramref name="top"/>, most recently changed first). Every application is counted, internal ones too.
    /// </summary>
    Task<StatsOverview> GetOverviewAsync(DateTimeOffset since, DateTimeOffset until, TimeSpan bucket, DateTimeOffset now, int top, CancellationToken cancellationToken);
}
