using System.Text.Json;
using System.Text.Json.Serialization;
using Hookline.Core.Model;

namespace Hookline.Server.Ingest;

/// <summary>
/// Svix <c>IngestSourceIn</c>: <c>type</c> names the provider (<c>stripe</c>, <c>github</c>, <c>svix</c>,
/// <c>clerk</c>, …, or one of Hookline's additional schemes such as <c>twilio</c> or <c>hmac</c>) and
/// <c>config</c> its verification settings, e.g. <c>{"secret": "whsec_…"}</c>.
/// </summary>
public sealed record IngestSourceIn
{
    public string? Name { get; init; }
    public string? Uid { get; init; }
    public Dictionary<string, string?>? Metadata { get; init; }
    public string? Type { get; init; }
    public JsonElement? Config { get; init; }
}

/// <summary>
/// Svix <c>IngestSourcePatch</c> (<c>name</c>, <c>uid</c>, <c>metadata</c>); Hookline also takes
/// <c>config</c> (e.g. the provider rotated its secret) and <c>type</c> with a <c>config</c>.
/// </summary>
public sealed record IngestSourcePatch
{
    public string? Name { get; init; }
    public string? Uid { get; init; }
    public Dictionary<string, string?>? Metadata { get; init; }
    public string? Type { get; init; }
    public JsonElement? Config { get; init; }
}

/// <summary>
/// Svix <c>IngestSourceOut</c>. <c>config</c> never shows secrets: it holds the source's non-secret
/// settings only (for Svix's types, whose <c>*ConfigOut</c> are empty objects, usually nothing).
/// </summary>
public sealed record IngestSourceOut(
    string Id,
    string? Uid,
    string Name,
    string Type,
    IReadOnlyDictionary<string, JsonElement> Config,
    string? IngestUrl,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>Svix <c>RotateTokenOut</c>: the source's new ingest URL.</summary>
public sealed record RotateTokenOut(string IngestUrl);

/// <summary>Svix <c>IngestSourceConsumerPortalAccessIn</c>.</summary>
public sealed record IngestSourceConsumerPortalAccessIn
{
    /// <summary>Token lifetime in seconds, 3600–604800; 7 days by default.</summary>
    public long? Expiry { get; init; }
    public bool? ReadOnly { get; init; }
}

/// <summary>
/// Svix <c>IngestLogOut</c> (snake_case, as Svix's spec writes it), plus Hookline's additions:
/// <c>outcome</c>, <c>dedupe_key</c>, <c>msg_id</c>, <c>payload_encoding</c> and <c>forwarding</c>.
/// </summary>
public sealed record IngestLogOut
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("source_id")]
    public required string SourceId { get; init; }

    /// <summary>The status Hookline answered the provider with.</summary>
    [JsonPropertyName("status_code")]
    public required int StatusCode { get; init; }

    /// <summary>Why the request was refused (verification failure or size), or empty.</summary>
    [JsonPropertyName("error_text")]
    public required string ErrorText { get; init; }

    /// <summary>The request's headers (credentials such as <c>Authorization</c> are never logged); repeated names are joined with <c>", "</c>.</summary>
    [JsonPropertyName("headers")]
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The body as received (for rejected requests cut to 16 KiB; empty for a body over the size limit).</summary>
    [JsonPropertyName("payload")]
    public required string Payload { get; init; }

    /// <summary>Hookline: <c>utf-8</c> when <c>payload</c> is the body as text, <c>base64</c> when the body was not UTF-8.</summary>
    [JsonPropertyName("payload_encoding")]
    public required string PayloadEncoding { get; init; }

    [JsonPropertyName("created_at")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("updated_at")]
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Hookline: <c>accepted</c>, <c>duplicate</c>, <c>rejected</c>, <c>handshake</c> or <c>too_large</c>.</summary>
    [JsonPropertyName("outcome")]
    public required string Outcome { get; init; }

    /// <summary>Hookline: <c>id:</c> and the provider's delivery id, or <c>sha256:</c> and the body hash; null when the request was not verified.</summary>
    [JsonPropertyName("dedupe_key")]
    public string? DedupeKey { get; init; }

    /// <summary>Hookline: the message the request became (for a duplicate, the first request's message).</summary>
    [JsonPropertyName("msg_id")]
    public string? MessageId { get; init; }

    /// <summary>Hookline: where the message stands at the source's endpoints; null when the request became no message.</summary>
    [JsonPropertyName("forwarding")]
    public IngestForwardingOut? Forwarding { get; init; }

    internal static string OutcomeName(IngestOutcome outcome) => outcome switch
    {
        IngestOutcome.Accepted => "accepted",
        IngestOutcome.Duplicate => "duplicate",
        IngestOutcome.Rejected => "rejected",
        IngestOutcome.Handshake => "handshake",
        IngestOutcome.TooLarge => "too_large",
        _ => outcome.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// Hookline: the forwarding status of a logged request's message. <c>status</c> sums up the
/// deliveries: <c>delivered</c> (every endpoint answered 2xx), <c>failed</c> (at least one ran out
/// of retries), <c>sending</c>, <c>pending</c> (waiting for a first try or a retry), or
/// <c>no_endpoints</c> (the source had no endpoint that takes the event).
/// </summary>
public sealed record IngestForwardingOut(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("deliveries")] IReadOnlyList<IngestDeliveryOut> Deliveries);

/// <summary>Hookline: the message's delivery to one of the source's endpoints.</summary>
public sealed record IngestDeliveryOut(
    [property: JsonPropertyName("endpoint_id")] string EndpointId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("last_attempt_at")] DateTimeOffset? LastAttemptAt,
    [property: JsonPropertyName("next_attempt_at")] DateTimeOffset? NextAttemptAt);

/// <summary>Hookline: which endpoints a replay goes to; all of the source's enabled endpoints that take the event when absent.</summary>
public sealed record IngestReplayIn
{
    [JsonPropertyName("endpoint_id")]
    public string? EndpointId { get; init; }
}

/// <summary>Hookline: the replay was queued for these endpoints.</summary>
public sealed record IngestReplayOut(
    [property: JsonPropertyName("msg_id")] string MessageId,
    [property: JsonPropertyName("endpoint_ids")] IReadOnlyList<string> EndpointIds);
