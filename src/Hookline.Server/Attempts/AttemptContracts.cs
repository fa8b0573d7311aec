using Hookline.Core.Model;
using Hookline.Server.Api;
using EndpointModel = Hookline.Core.Model.Endpoint;

namespace Hookline.Server.Attempts;

/// <summary>Svix <c>MessageAttemptOut</c>; <c>error</c> is Hookline's addition (why no response came).</summary>
public sealed record MessageAttemptOut(
    string Id,
    string MsgId,
    string EndpointId,
    string Url,
    string Response,
    int ResponseStatusCode,
    long ResponseDurationMs,
    int Status,
    string StatusText,
    DateTimeOffset Timestamp,
    int TriggerType,
    string? Error)
{
    internal static MessageAttemptOut From(MessageAttempt a, bool withContent) => new(
        a.Id, a.MessageId, a.EndpointId, a.Url, withContent ? a.Response : "", a.ResponseStatusCode, a.ResponseDurationMs,
        (int)a.Status, StatusTexts.Of(a.Status), a.Timestamp, (int)a.TriggerType, a.Error);
}

/// <summary>Svix <c>MessageEndpointOut</c>: an endpoint a message went to, with the delivery's state.</summary>
public sealed record MessageEndpointOut(
    string Id,
    string? Uid,
    string Url,
    string Description,
    IReadOnlyList<string>? EventTypes,
    IReadOnlyList<string>? Channels,
    int? ThrottleRate,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Status,
    string StatusText,
    DateTimeOffset? NextAttempt)
{
    internal static MessageEndpointOut From(EndpointModel e, DeliveryRecord d) => new(
        e.Id, e.Uid, e.Url, e.Description, e.EventTypes is { Count: > 0 } ? e.EventTypes : null, e.Channels is { Count: > 0 } ? e.Channels : null,
        e.ThrottleRate, e.Disabled, e.CreatedAt, e.UpdatedAt, (int)d.Status, StatusTexts.Of(d.Status), d.NextAttemptAt);
}

/// <summary>Svix <c>EndpointMessageOut</c>: a message sent to an endpoint, with the delivery's state.</summary>
public sealed record EndpointMessageOut(
    string Id,
    string? EventId,
    string EventType,
    RawJson Payload,
    IReadOnlyList<string>? Channels,
    DateTimeOffset Timestamp,
    int Status,
    string StatusText,
    DateTimeOffset? NextAttempt,
    IReadOnlyList<string>? Tags)
{
    internal static EndpointMessageOut From(Message m, DeliveryRecord d, bool withContent) => new(
        m.Id, m.EventId, m.EventType, withContent ? RawJson.FromStored(m.Payload) : RawJson.EmptyObject,
        m.Channels is { Count: > 0 } ? m.Channels : null, m.CreatedAt, (int)d.Status, StatusTexts.Of(d.Status), d.NextAttemptAt,
        m.Tags is { Count: > 0 } ? m.Tags : null);
}

/// <summary>Svix <c>EmptyResponse</c>.</summary>
public sealed record EmptyResponse;

internal static class StatusTexts
{
    public static string Of(MessageStatus status) => status switch
    {
        MessageStatus.Success => "success",
        MessageStatus.Pending => "pending",
        MessageStatus.Fail => "fail",
        MessageStatus.Sending => "sending",
        _ => "pending",
    };
}
