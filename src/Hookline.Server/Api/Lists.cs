using Hookline.Core.Storage;

namespace Hookline.Server.Api;

/// <summary>Svix's list envelope.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Data, string? Iterator, string? PrevIterator, bool Done);

internal static class Lists
{
    /// <summary>
    /// Builds a page request from <c>limit</c>, <c>iterator</c> and <c>order</c>. A limit above 250
    /// is cut to 250 and below 1 raised to 1, as Svix does; a malformed iterator is a 422.
    /// </summary>
    public static ListQuery Query(int? limit, string? iterator, string? order, bool descendingByDefault)
    {
        var validation = new Validation();
        if (iterator is { Length: > 0 } && !IsIterator(iterator))
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

    private static bool IsIterator(string value)
    {
        var key = value.StartsWith('-') ? value.AsSpan(1) : value.AsSpan();
        // Keys are ids, names or short composite keys; anything printable and reasonably short is passed on.
        return key.Length is > 0 and <= 512 && !key.ContainsAnyInRange('\0', ' ');
    }
}
