using Hookline.Core.Storage;

namespace Hookline.Server.Api;

/// <summary>Svix's list envelope.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Data, string? Iterator, string? PrevIterator, bool Done);

internal static class Lists
{
    /// <summary>
    /// Builds a page request from <c>limit</c>, <c>iterator</c> and <c>order</c>. A limit above 250
    /// is cut to 250 and below 1 raised to 1, as Svix does; an iterator this API cannot have returned
    /// is a 422 — for lists keyed by id, one without the ids' <paramref name="keyPrefix"/> (which
    /// would otherwise silently give the first page or none, depending on the order).
    /// </summary>
    /// <param name="keyPrefix">The prefix of the ids the list is keyed on (<c>app_</c>, <c>msg_</c>, …); null for lists keyed by name.</param>
    public static ListQuery Query(int? limit, string? iterator, string? order, bool descendingByDefault, string? keyPrefix)
    {
        var validation = new Validation();
        if (iterator is { Length: > 0 } && !IsIterator(iterator, keyPrefix))
        {
            validation.Add(["query", "iterator"], "The iterator is not one this API returned.", "value_error.iterator");
        }
        bool descending = descendingByDefault;
        switch (order)
        {
            case null or "":
                break;
            case "ascending":
                descending = false;
                break;
            case "descending":
                descending = true;
                break;
            default:
                validation.Add(["query", "order"], "value is not a valid enumeration member; permitted: 'ascending', 'descending'", "type_error.enum");
                break;
        }
        validation.ThrowIfAny();
        return new ListQuery
        {
            Limit = Math.Clamp(limit ?? ListQuery.DefaultLimit, 1, ListQuery.MaxLimit),
            Iterator = string.IsNullOrEmpty(iterator) ? null : iterator,
            Descending = descending,
        };
    }

    public static ListResponse<TOut> Map<TIn, TOut>(Page<TIn> page, Func<TIn, TOut> map) =>
        new(page.Data.Select(map).ToList(), page.Iterator, page.PrevIterator, page.Done);

    /// <summary>Event type filters arrive repeated (<c>?event_types=a&amp;event_types=b</c>) or comma-joined; both are read.</summary>
    public static IReadOnlyList<string>? EventTypes(string[]? values, Validation validation)
    {
        if (values is not { Length: > 0 })
        {
            return null;
        }
        var list = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            validation.Name(["query", "event_types", i.ToString(System.Globalization.CultureInfo.InvariantCulture)], list[i]);
        }
        return list.Count == 0 ? null : list;
    }

    /// <summary>A message status filter (<c>status</c>): Svix's 0 success, 1 pending, 2 fail, 3 sending.</summary>
    public static Hookline.Core.Model.MessageStatus? Status(Validation validation, int? status)
    {
        if (status is null)
        {
            return null;
        }
        if (status is < 0 or > 3)
        {
            validation.Add(["query", "status"], "value is not a valid enumeration member; permitted: 0, 1, 2, 3", "type_error.enum");
            return null;
        }
        return (Hookline.Core.Model.MessageStatus)status.Value;
    }

    private static bool IsIterator(string value, string? keyPrefix)
    {
        var key = value.StartsWith('-') ? value.AsSpan(1) : value.AsSpan();
        // Keys are ids or names: printable, reasonably short, and an id list's keys carry its prefix.
        return key.Length is > 0 and <= 512 && !key.ContainsAnyInRange('\0', ' ')
            && (keyPrefix is null || (key.StartsWith(keyPrefix, StringComparison.Ordinal) && key.Length > keyPrefix.Length));
    }
}
