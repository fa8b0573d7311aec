namespace Hookline.Core.Model;

public sealed record Message
{
    public required string Id { get; init; }
    public required string AppId { get; init; }

    /// <summary>The caller's unique id for this message (Svix <c>eventId</c>), unique per application.</summary>
    public string? EventId { get; init; }
    public required string EventType { get; init; }

    /// <summary>The exact payload bytes, signed and sent on every try; null once expunged or expired.</summary>
    public byte[]? Payload { get; init; }
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>Svix message tags: free-form labels the message lists filter by; no effect on delivery.</summary>
    public IReadOnlyList<string>? Tags { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the payload is removed (attempt metadata stays).</summary>
    public DateTimeOffset? PayloadExpiresAt { get; init; }

    /// <summary>W3C <c>traceparent</c> of the API call that created the message, carried to every attempt.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Extra headers sent with this message (inbound forwarding keeps selected provider headers).</summary>
    public IReadOnlyDictionary<string, string>? ExtraHeaders { get; init; }
}
