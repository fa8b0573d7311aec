namespace Hookline.Core.Model;

/// <summary>Svix's message status: the wire values are these integers.</summary>
public enum MessageStatus
{
    Success = 0,
    Pending = 1,
    Fail = 2,
    Sending = 3,
}

public enum AttemptTrigger
{
    Scheduled = 0,
    Manual = 1,
}

/// <summary>One message on its way to one endpoint (Svix calls it a message destination).</summary>
public sealed record DeliveryRecord
{
    public required long Id { get; init; }
    public required string MessageId { get; init; }
    public required string EndpointId { get; init; }
    public required string AppId { get; init; }
    public required MessageStatus Status { get; init; }
    public int AttemptCount { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A delivery leased to this node, with what is needed to send it.</summary>
public sealed record ClaimedDelivery
{
    public required long DeliveryId { get; init; }

    /// <summary>Identifies this lease; completing with a stale token does not overwrite a newer claim.</summary>
    public required string LeaseToken { get; init; }
    public required int AttemptCount { get; init; }
    public required AttemptTrigger Trigger { get; init; }

    /// <summary>The endpoint's throttle rate (its own, else its application's), per second; null when unthrottled.</summary>
    public int? ThrottleRate { get; init; }
    public required Message Message { get; init; }
    public required Endpoint Endpoint { get; init; }
}

public sealed record MessageAttempt
{
    public required string Id { get; init; }
    public required string MessageId { get; init; }
    public required string EndpointId { get; init; }
    public required string AppId { get; init; }
    public required string Url { get; init; }
    public required MessageStatus Status { get; init; }

    /// <summary>HTTP status, or 0 when no response came (connection error, timeout, blocked destination).</summary>
    public int ResponseStatusCode { get; init; }

    /// <summary>Response body, cut at the configured limit; base64 when it was not UTF-8.</summary>
    public string Response { get; init; } = "";
    public int ResponseDurationMs { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public AttemptTrigger TriggerType { get; init; }

    /// <summary>Why no response was received (connection refused, timeout, blocked network, …).</summary>
    public string? Error { get; init; }
}
