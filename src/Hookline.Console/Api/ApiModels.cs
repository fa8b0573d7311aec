using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hookline.Console.Api;

// The Console is a client of Hookline's public API (the Svix v1 wire format). These records are the
// parts of that format the views read and write; unknown fields are ignored, absent ones are null.

/// <summary>A page of a list: <c>{data, iterator, prevIterator, done}</c>.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Data, string? Iterator, string? PrevIterator, bool Done);

public sealed record ApplicationOut(string Id, string? Uid, string Name, int? ThrottleRate, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ApplicationIn(string Name, string? Uid);

public sealed record EndpointOut(
    string Id,
    string? Uid,
    string Url,
    string Description,
    IReadOnlyList<string>? FilterTypes,
    IReadOnlyList<string>? Channels,
    int? ThrottleRate,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>What the endpoint form sends (POST creates, PATCH edits); null fields are left out of the JSON.</summary>
public sealed record EndpointIn
{
    public string? Url { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string>? FilterTypes { get; init; }
    public IReadOnlyList<string>? Channels { get; init; }
    public int? ThrottleRate { get; init; }
    public bool? Disabled { get; init; }
}

public sealed record EndpointStatsOut(long Success, long Pending, long Fail, long Sending);

public sealed record EndpointSecretOut(string Key);

public sealed record EndpointHeadersOut(IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> Sensitive);

public sealed record EventTypeOut(
    string Name,
    string Description,
    JsonElement? Schemas,
    bool Archived,
    bool Deprecated,
    string? FeatureFlag,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record EventTypeIn
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public JsonElement? Schemas { get; init; }
    public bool? Archived { get; init; }
    public bool? Deprecated { get; init; }
}

public sealed record MessageOut(string Id, string? EventId, string EventType, JsonElement Payload, IReadOnlyList<string>? Channels, DateTimeOffset Timestamp);

public sealed record MessageIn(string EventType, JsonElement Payload);

/// <summary>A message as seen from one endpoint (<c>/endpoint/{id}/msg</c>), with that delivery's status.</summary>
public sealed record EndpointMessageOut(string Id, string? EventId, string EventType, IReadOnlyList<string>? Channels, DateTimeOffset Timestamp, int Status, DateTimeOffset? NextAttempt);

/// <summary>Where a message went (<c>/msg/{id}/endpoint</c>): one row per endpoint, with its delivery status.</summary>
public sealed record MessageEndpointOut(string Id, string? Uid, string Url, string Description, bool Disabled, int Status, DateTimeOffset? NextAttempt);

public sealed record MessageAttemptOut(
    string Id,
    string MsgId,
    string EndpointId,
    string Url,
    string Response,
    int ResponseStatusCode,
    long ResponseDurationMs,
    int Status,
    DateTimeOffset Timestamp,
    int TriggerType,
    string? Error);

public sealed record RecoverIn(DateTimeOffset Since, DateTimeOffset? Until);

public sealed record BackgroundTaskOut(string Id, string Status, string Task, JsonElement? Data, DateTimeOffset UpdatedAt);

public sealed record AppPortalAccessOut(string Token, string Url);

public sealed record IngestSourceOut(string Id, string? Uid, string Name, string Type, string? IngestUrl, DateTimeOffset CreatedAt);

public sealed record IngestLogOut
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("status_code")] public int StatusCode { get; init; }
    [JsonPropertyName("error_text")] public string ErrorText { get; init; } = "";
    [JsonPropertyName("headers")] public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    [JsonPropertyName("payload")] public string Payload { get; init; } = "";
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("outcome")] public string Outcome { get; init; } = "";
    [JsonPropertyName("msg_id")] public string? MessageId { get; init; }
    [JsonPropertyName("forwarding")] public IngestForwardingOut? Forwarding { get; init; }
}

public sealed record IngestForwardingOut([property: JsonPropertyName("status")] string Status);

/// <summary>Svix's message statuses, as the API writes them.</summary>
public static class MessageStatuses
{
    public const int Success = 0;
    public const int Pending = 1;
    public const int Fail = 2;
    public const int Sending = 3;

    public static string Name(int status) => status switch
    {
        Success => "Succeeded",
        Pending => "Pending",
        Fail => "Failed",
        Sending => "Sending",
        _ => "Unknown",
    };
}

public sealed record StatsBucketOut(DateTimeOffset Start, long Messages, long AttemptsSucceeded, long AttemptsFailed);

public sealed record StatsEndpointOut(string EndpointId, string Url, string AppId, string AppName, string Kind, string? SourceId, bool Disabled, DateTimeOffset? FailingSince, DateTimeOffset UpdatedAt, long FailedAttempts);

public sealed record BacklogOut(long Due, DateTimeOffset? OldestDueAt);

public sealed record StatsOverviewOut(
    DateTimeOffset Since,
    DateTimeOffset Until,
    long BucketSeconds,
    IReadOnlyList<StatsBucketOut> Buckets,
    BacklogOut Backlog,
    IReadOnlyList<StatsEndpointOut> MostFailingEndpoints,
    IReadOnlyList<StatsEndpointOut> DisabledEndpoints);
