using System.Text.Json;
using Hookline.Core.Model;
using Hookline.Server.Api;
using Hookline.Server.Applications;

namespace Hookline.Server.Messages;

/// <summary>Svix <c>MessageIn</c>.</summary>
public sealed record MessageIn
{
    public string? EventType { get; init; }

    /// <summary>The webhook body: a JSON object, stored and sent byte for byte as received.</summary>
    public JsonElement? Payload { get; init; }

    /// <summary>The caller's unique id for the message; a second message with the same one gets 409.</summary>
    public string? EventId { get; init; }
    public List<string?>? Channels { get; init; }

    /// <summary>Days the payload is kept (5–90); the default is 90.</summary>
    public long? PayloadRetentionPeriod { get; init; }

    /// <summary>Hours the payload is kept (1–2160), the newer Svix field; exclusive with <see cref="PayloadRetentionPeriod"/>.</summary>
    public long? PayloadRetentionHours { get; init; }

    /// <summary>Svix's scheduled delivery; not supported yet, so a value is refused rather than ignored.</summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>Svix's message tags; accepted and not stored.</summary>
    public List<string?>? Tags { get; init; }

    /// <summary>Creates the application when the one in the path does not exist (its uid must equal the path's).</summary>
    public ApplicationIn? Application { get; init; }
}

/// <summary>Svix <c>MessagePrecheckIn</c>.</summary>
public sealed record MessagePrecheckIn
{
    public string? EventType { get; init; }
    public List<string?>? Channels { get; init; }
}

/// <summary>Svix <c>MessagePrecheckOut</c>: whether any enabled endpoint would receive such a message.</summary>
public sealed record MessagePrecheckOut(bool Active);

/// <summary>Svix <c>MessageOut</c>.</summary>
public sealed record MessageOut(
    string Id,
    string? EventId,
    string EventType,
    RawJson Payload,
    IReadOnlyList<string>? Channels,
    DateTimeOffset Timestamp)
{
    internal static MessageOut From(Message m, bool withContent) =>
        new(m.Id, m.EventId, m.EventType, withContent ? RawJson.FromStored(m.Payload) : RawJson.EmptyObject,
            m.Channels is { Count: > 0 } ? m.Channels : null, m.CreatedAt);
}
