using Hookline.Core.Ids;
using Hookline.Server.Api;
using EndpointModel = Hookline.Core.Model.Endpoint;

namespace Hookline.Server.Endpoints;

/// <summary>
/// Svix <c>EndpointIn</c> / <c>EndpointUpdate</c>. Both spellings Svix has used are read:
/// <c>eventTypes</c> or <c>filterTypes</c>, <c>throttleRate</c> or <c>rateLimit</c>. Hookline adds
/// <c>ordered</c> (strict FIFO, one request in flight) and <c>maxConcurrency</c>.
/// </summary>
public sealed record EndpointIn
{
    public string? Url { get; init; }
    public string? Description { get; init; }
    public List<string?>? EventTypes { get; init; }
    public List<string?>? FilterTypes { get; init; }
    public List<string?>? Channels { get; init; }
    public int? ThrottleRate { get; init; }
    public int? RateLimit { get; init; }
    public bool? Disabled { get; init; }
    public Dictionary<string, string?>? Metadata { get; init; }
    public string? Uid { get; init; }

    /// <summary>Optional on create: <c>whsec_…</c> (base64 HMAC key, 24–64 bytes) or <c>whsk_…</c> (Ed25519); generated when absent.</summary>
    public string? Secret { get; init; }

    /// <summary>Custom headers sent with every request (the <c>/headers</c> routes manage them too).</summary>
    public Dictionary<string, string?>? Headers { get; init; }

    /// <summary>Hookline: deliver strictly in order, one request in flight.</summary>
    public bool? Ordered { get; init; }

    /// <summary>Hookline: requests in flight at once; null means the server default.</summary>
    public int? MaxConcurrency { get; init; }

    internal List<string?>? Types => FilterTypes ?? EventTypes;

    internal int? Rate => RateLimit ?? ThrottleRate;
}

/// <summary>Svix <c>EndpointPatch</c> plus Hookline's fields: only what is present changes.</summary>
public sealed record EndpointPatch
{
    public string? Url { get; init; }
    public string? Description { get; init; }
    public List<string?>? EventTypes { get; init; }
    public List<string?>? FilterTypes { get; init; }
    public List<string?>? Channels { get; init; }
    public int? ThrottleRate { get; init; }
    public int? RateLimit { get; init; }
    public bool? Disabled { get; init; }
    public Dictionary<string, string?>? Metadata { get; init; }
    public string? Uid { get; init; }
    public string? Secret { get; init; }
    public bool? Ordered { get; init; }
    public int? MaxConcurrency { get; init; }
}

/// <summary>Svix <c>EndpointOut</c>, with both spellings of the filter and rate fields, and Hookline's additions.</summary>
public sealed record EndpointOut(
    string Id,
    string? Uid,
    string Url,
    string Description,
    IReadOnlyList<string>? EventTypes,
    IReadOnlyList<string>? FilterTypes,
    IReadOnlyList<string>? Channels,
    int? ThrottleRate,
    int? RateLimit,
    bool Disabled,
    IReadOnlyDictionary<string, string> Metadata,
    bool Ordered,
    int? MaxConcurrency,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static EndpointOut From(EndpointModel e) => new(
        e.Id, e.Uid, e.Url, e.Description,
        Nullify(e.EventTypes), Nullify(e.EventTypes), Nullify(e.Channels),
        e.ThrottleRate, e.ThrottleRate, e.Disabled, e.Metadata, e.Ordered, e.MaxConcurrency,
        e.CreatedAt, e.UpdatedAt);

    private static IReadOnlyList<string>? Nullify(IReadOnlyList<string>? list) => list is { Count: > 0 } ? list : null;
}

public sealed record EndpointSecretOut(string Key);

/// <summary>Svix <c>EndpointSecretRotateIn</c>.</summary>
public sealed record EndpointSecretRotateIn
{
    /// <summary>The new secret; generated when absent.</summary>
    public string? Key { get; init; }

    /// <summary>How long the old secret keeps signing (0–604800 s). The default is 86400 (24 hours), as Svix.</summary>
    public long? GracePeriodSeconds { get; init; }
}

public sealed record EndpointHeadersIn
{
    public Dictionary<string, string?>? Headers { get; init; }
}

public sealed record EndpointHeadersOut(IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> Sensitive);

public sealed record EndpointStatsOut(long Success, long Pending, long Fail, long Sending, long Canceled);

public sealed record EventExampleIn
{
    public string? EventType { get; init; }
}

public sealed record RecoverIn
{
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
}

public sealed record RecoverOut(string Id, string Status, string Task, DateTimeOffset UpdatedAt);

/// <summary>Svix <c>ReplayIn</c>: the window of message creation times replay-missing looks at.</summary>
public sealed record ReplayIn
{
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
}

/// <summary>Svix <c>ReplayOut</c>: the queued <c>endpoint.replay</c> task.</summary>
public sealed record ReplayOut(string Id, string Status, string Task, DateTimeOffset UpdatedAt);

internal static class EndpointRules
{
    public const int MaxChannels = 10;
    public const int MaxConcurrencyLimit = 1000;

    public static void ValidateCommon(Validation v, EndpointIn input, bool requireUrl)
    {
        if (input.Url is null)
        {
            if (requireUrl)
            {
                v.Missing(["body", "url"]);
            }
        }
        else if (input.Url.Length is 0 or > 65536)
        {
            v.Add(["body", "url"], "ensure this value has 1 to 65536 characters", "value_error.any_str.length");
        }
        v.Names(["body", input.FilterTypes is not null ? "filterTypes" : "eventTypes"], input.Types, 256, 1, int.MaxValue);
        v.Names(["body", "channels"], input.Channels, 128, 1, MaxChannels);
        v.Range(["body", "throttleRate"], input.ThrottleRate, 1, ushort.MaxValue);
        v.Range(["body", "rateLimit"], input.RateLimit, 1, ushort.MaxValue);
        v.Range(["body", "maxConcurrency"], input.MaxConcurrency, 1, MaxConcurrencyLimit);
        v.Uid(["body", "uid"], input.Uid, HooklineIds.Endpoint);
        v.Metadata(["body", "metadata"], input.Metadata);
        if (input.Headers is not null)
        {
            EndpointHeaderRules.Validate(v, ["body", "headers"], input.Headers, allowNullValues: false);
        }
    }

    public static IReadOnlyList<string>? List(List<string?>? values) =>
        values is { Count: > 0 } ? values.Select(x => x!).ToArray() : null;
}
