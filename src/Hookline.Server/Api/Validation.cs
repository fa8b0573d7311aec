using System.Buffers;

namespace Hookline.Server.Api;

/// <summary>
/// Collects field errors so one 422 reports every problem of a request at once, with Svix's
/// <c>loc</c> paths (<c>["body", "uid"]</c>, <c>["query", "limit"]</c>, <c>["path", "app_id"]</c>).
/// </summary>
internal sealed class Validation
{
    /// <summary>Svix's pattern for uids, event type names, channels and feature flags.</summary>
    public const string NamePattern = "^[a-zA-Z0-9\\-_.]+$";

    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    private List<ValidationErrorItem>? _errors;

    public bool HasErrors => _errors is { Count: > 0 };

    // Paths are spans: a request that passes allocates none of them (the API checks each message's
    // fields this way); only an error copies its path.
    public void Add(ReadOnlySpan<string> loc, string msg, string type = "value_error") =>
        (_errors ??= []).Add(new ValidationErrorItem(loc.ToArray(), msg, type));

    public void Missing(ReadOnlySpan<string> loc) => Add(loc, "field required", "value_error.missing");

    public void ThrowIfAny()
    {
        if (_errors is { Count: > 0 } errors)
        {
            throw ApiException.Validation(errors);
        }
    }

    public static bool IsName(string? value, int maxLength = 256) =>
        !string.IsNullOrEmpty(value) && value.Length <= maxLength && !value.AsSpan().ContainsAnyExcept(NameChars);

    /// <summary>A uid, event type name, channel or feature flag: <c>^[a-zA-Z0-9\-_.]+$</c>, 1–<paramref name="maxLength"/> characters.</summary>
    public void Name(ReadOnlySpan<string> loc, string? value, int maxLength = 256)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length == 0)
        {
            Add(loc, "ensure this value has at least 1 characters", "value_error.any_str.min_length");
        }
        else if (value.Length > maxLength)
        {
            Add(loc, $"ensure this value has at most {maxLength} characters", "value_error.any_str.max_length");
        }
        else if (value.AsSpan().ContainsAnyExcept(NameChars))
        {
            Add(loc, $"string does not match regex \"{NamePattern}\"", "value_error.str.regex");
        }
    }

    /// <summary>A uid: a name that does not look like one of Hookline's own ids (so id and uid lookups never collide).</summary>
    public void Uid(ReadOnlySpan<string> loc, string? value, string idPrefix)
    {
        var before = _errors?.Count ?? 0;
        Name(loc, value);
        if (value is not null && (_errors?.Count ?? 0) == before && value.StartsWith(idPrefix, StringComparison.Ordinal))
        {
            Add(loc, $"Uids are not allowed to have the same prefix as the ID ({idPrefix}). Prefix with _?", "value_error.uid_prefix");
        }
    }

    public void Names(ReadOnlySpan<string> loc, IReadOnlyList<string?>? values, int maxLength, int minItems, int maxItems)
    {
        if (values is null)
        {
            return;
        }
        if (values.Count < minItems)
        {
            Add(loc, $"ensure this value has at least {minItems} items", "value_error.list.min_items");
        }
        if (values.Count > maxItems)
        {
            Add(loc, $"ensure this value has at most {maxItems} items", "value_error.list.max_items");
        }
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null)
            {
                Add([.. loc, i.ToString(System.Globalization.CultureInfo.InvariantCulture)], "none is not an allowed value", "type_error.none.not_allowed");
            }
            else
            {
                Name([.. loc, i.ToString(System.Globalization.CultureInfo.InvariantCulture)], values[i], maxLength);
            }
        }
        if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
        {
            Add(loc, "the list has duplicated items", "value_error.list.unique_items");
        }
    }

    public void Range(ReadOnlySpan<string> loc, long? value, long min, long max)
    {
        if (value is { } v && (v < min || v > max))
        {
            Add(loc, $"ensure this value is between {min} and {max}", "value_error.number.not_in_range");
        }
    }

    public void Metadata(ReadOnlySpan<string> loc, IReadOnlyDictionary<string, string?>? metadata)
    {
        if (metadata is null)
        {
            return;
        }
        foreach (var (key, value) in metadata)
        {
            if (value is null)
            {
                Add([.. loc, key], "none is not an allowed value", "type_error.none.not_allowed");
            }
        }
    }
}
