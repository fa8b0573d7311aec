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

    /// <summary>Svix's scheduled delivery: the deliveries first fall due then (at most 24 hours ahead; a past time delivers at once).</summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>Svix's message tags (1–5 unique names of up to 128 characters): stored, returned, and filterable with <c>tag</c> on the message and attempt lists.</summary>
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
    DateTimeOffset Timestamp,
    IReadOnlyList<string>? Tags)
{
    internal static MessageOut From(Message m, bool withContent) =>
        new(m.Id, m.EventId, m.EventType, withContent ? RawJson.FromStored(m.Payload) : RawJson.EmptyObject,
            m.Channels is { Count: > 0 } ? m.Channels : null, m.CreatedAt, m.Tags is { Count: > 0 } ? m.Tags : null);
}
