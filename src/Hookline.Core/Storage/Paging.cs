using Hookline.Core.Model;

namespace Hookline.Core.Storage;

/// <summary>
/// A page request in Svix's style. <see cref="Iterator"/> is opaque to clients: the key of the last
/// item seen continues forward; the same key prefixed with <c>-</c> (a page's
/// <see cref="Page{T}.PrevIterator"/>) goes back.
/// </summary>
public sealed record ListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 250;

    public int Limit { get; init; } = DefaultLimit;
    public string? Iterator { get; init; }

    /// <summary>Newest first. Messages and attempts default to it; applications and endpoints do not.</summary>
    public bool Descending { get; init; }

    /// <summary>True when <see cref="Iterator"/> asks for the page before it.</summary>
    public bool IsPrevious => Iterator is { Length: > 1 } && Iterator[0] == '-';

    /// <summary>The key in <see cref="Iterator"/>, without the direction mark.</summary>
    public string? IteratorKey => Iterator is null ? null : IsPrevious ? Iterator[1..] : Iterator;
}

public sealed record Page<T>(IReadOnlyList<T> Data, string? Iterator, string? PrevIterator, bool Done);

public static class Pages
{
    /// <summary>
    /// Builds a page from rows fetched with <c>limit + 1</c> (the extra row tells whether more follow).
    /// For a previous-page request the rows were fetched in reverse order and are put back in list order.
    /// </summary>
    public static Page<T> From<T>(List<T> rows, ListQuery query, Func<T, string> key)
    {
        var more = rows.Count > query.Limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        if (query.IsPrevious)
        {
            rows.Reverse();
        }
        var iterator = rows.Count > 0 ? key(rows[^1]) : query.IsPrevious ? query.IteratorKey : query.Iterator;
        var prev = rows.Count > 0 ? "-" + key(rows[0]) : null;
        // Going back, "done" would describe the far end; clients page forward from what they get.
        var done = query.IsPrevious ? false : !more;
        return new Page<T>(rows, iterator, prev, done);
    }
}

public sealed record MessageFilter
{
    public string? Channel { get; init; }

    /// <summary>Only messages carrying this tag.</summary>
    public string? Tag { get; init; }
    public DateTimeOffset? Before { get; init; }
    public DateTimeOffset? After { get; init; }
    public IReadOnlyList<string>? EventTypes { get; init; }

    /// <summary>
    /// Only messages whose delivery has this status: to the endpoint, in an endpoint's message list;
    /// to any endpoint, in an application's.
    /// </summary>
    public MessageStatus? Status { get; init; }
}

public sealed record AttemptFilter
{
    public MessageStatus? Status { get; init; }

    /// <summary>100, 200, 300, 400, 500, or 0 for no response.</summary>
    public int? StatusCodeClass { get; init; }
    public string? Channel { get; init; }

    /// <summary>Only attempts of messages carrying this tag.</summary>
    public string? Tag { get; init; }
    public DateTimeOffset? Before { get; init; }
    public DateTimeOffset? After { get; init; }
    public IReadOnlyList<string>? EventTypes { get; init; }
    public string? EndpointId { get; init; }
}
