namespace Hookline.Core.Model;

/// <summary>
/// An ingest source: a provider (Stripe, GitHub, …) posts to its ingest URL; Hookline verifies with
/// the source's scheme and forwards to the source's endpoints, which live in a hidden application
/// (<see cref="AppId"/>) so forwarding rides the outbound engine unchanged.
/// </summary>
public sealed record Source
{
    public required string Id { get; init; }
    public string? Uid { get; init; }
    public required string Name { get; init; }

    /// <summary>The verifier type name (<c>stripe</c>, <c>github</c>, <c>generic-webhook</c>, …), as Hookline.Signatures names it.</summary>
    public required string Type { get; init; }

    /// <summary>The verifier configuration as a JSON object, e.g. <c>{"secret": "whsec_…"}</c>.</summary>
    public string ConfigJson { get; init; } = "{}";
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = Application.EmptyMetadata;

    /// <summary>The hidden application holding this source's endpoints.</summary>
    public required string AppId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>What happened to one request posted to an ingest URL.</summary>
public enum IngestOutcome
{
    /// <summary>Verified, stored and queued for the source's endpoints.</summary>
    Accepted = 0,

    /// <summary>Verified, but its delivery id was seen before: acknowledged, not forwarded again.</summary>
    Duplicate = 1,

    /// <summary>Verification failed (401).</summary>
    Rejected = 2,

    /// <summary>A provider handshake answered automatically (Slack url_verification, Zoom url_validation, …); not forwarded.</summary>
    Handshake = 3,

    /// <summary>Refused before verification (body over the limit).</summary>
    TooLarge = 4,
}

/// <summary>One entry of a source's request log.</summary>
public sealed record IngestRequestRecord
{
    public required string Id { get; init; }
    public required string SourceId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required IngestOutcome Outcome { get; init; }

    /// <summary>The status Hookline answered the provider with.</summary>
    public required int StatusCode { get; init; }

    /// <summary>Why verification failed (the verifier's failure reason and message), or empty.</summary>
    public string ErrorText { get; init; } = "";

    /// <summary>The dedupe key: the provider's delivery id, or <c>sha256:</c> and the body hash.</summary>
    public string? DedupeKey { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>The body as received; for rejected requests cut to a limit.</summary>
    public required byte[] Body { get; init; }

    /// <summary>The message the request became (for a duplicate: the first request's message).</summary>
    public string? MessageId { get; init; }
}
