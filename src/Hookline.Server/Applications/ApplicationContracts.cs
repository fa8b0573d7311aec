using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Server.Api;

namespace Hookline.Server.Applications;

/// <summary>Svix <c>ApplicationIn</c>; <c>rateLimit</c> is accepted as the newer spelling of <c>throttleRate</c>.</summary>
public sealed record ApplicationIn
{
    public string? Name { get; init; }
    public string? Uid { get; init; }
    public int? ThrottleRate { get; init; }
    public int? RateLimit { get; init; }
    public Dictionary<string, string?>? Metadata { get; init; }

    internal void Validate(Validation validation, ReadOnlySpan<string> at)
    {
        if (Name is null)
        {
            validation.Missing([.. at, "name"]);
        }
        else if (Name.Length == 0)
        {
            validation.Add([.. at, "name"], "ensure this value has at least 1 characters", "value_error.any_str.min_length");
        }
        validation.Uid([.. at, "uid"], Uid, HooklineIds.Application);
        validation.Range([.. at, "throttleRate"], ThrottleRate, 1, ushort.MaxValue);
        validation.Range([.. at, "rateLimit"], RateLimit, 1, ushort.MaxValue);
        validation.Metadata([.. at, "metadata"], Metadata);
    }

    internal int? EffectiveThrottleRate => RateLimit ?? ThrottleRate;
}

/// <summary>Svix <c>ApplicationPatch</c>: only the fields present change; <c>null</c> clears a nullable one.</summary>
public sealed record ApplicationPatch
{
    public string? Name { get; init; }
    public string? Uid { get; init; }
    public int? ThrottleRate { get; init; }
    public int? RateLimit { get; init; }
    public Dictionary<string, string?>? Metadata { get; init; }
}

/// <summary>Svix <c>ApplicationOut</c>.</summary>
public sealed record ApplicationOut(
    string Id,
    string? Uid,
    string Name,
    int? ThrottleRate,
    int? RateLimit,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static ApplicationOut From(Application app) =>
        new(app.Id, app.Uid, app.Name, app.ThrottleRate, app.ThrottleRate, app.Metadata, app.CreatedAt, app.UpdatedAt);
}

internal static class MetadataMaps
{
    public static IReadOnlyDictionary<string, string> From(Dictionary<string, string?>? metadata) =>
        metadata is null
            ? new Dictionary<string, string>()
            : metadata.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
}
