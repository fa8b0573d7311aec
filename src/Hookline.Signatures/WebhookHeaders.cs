using System.Collections;

namespace Hookline.Signatures;

/// <summary>
/// The headers of a webhook request: a case-insensitive multi-map, because HTTP header names are
/// case-insensitive and a header may legitimately appear more than once.
/// </summary>
/// <remarks>
/// Supports collection initializers: <c>new WebhookHeaders { { "webhook-id", "msg_1" } }</c>.
/// Not thread-safe for writes; build it once per request, then hand it to a verifier.
/// </remarks>
public sealed class WebhookHeaders : IEnumerable<KeyValuePair<string, string>>
{
    // Small and short-lived: a list of pairs searched linearly is faster than a dictionary for the
    // 5–30 headers a webhook request carries, and keeps insertion order for diagnostics.
    private readonly List<KeyValuePair<string, string>> _entries;

    /// <summary>Creates an empty header collection.</summary>
    public WebhookHeaders() => _entries = new List<KeyValuePair<string, string>>(8);

    /// <summary>Creates a header collection holding <paramref name="headers"/>.</summary>
    /// <param name="headers">Name/value pairs; a name may repeat.</param>
    public WebhookHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        _entries = new List<KeyValuePair<string, string>>(8);
        foreach (var header in headers)
        {
            Add(header.Key, header.Value);
        }
    }

    /// <summary>The number of header values (a repeated name counts once per value).</summary>
    public int Count => _entries.Count;

    /// <summary>Adds one value for <paramref name="name"/>; existing values are kept.</summary>
    /// <param name="name">The header name, in any case.</param>
    /// <param name="value">The header value; <see langword="null"/> is stored as an empty string.</param>
    public void Add(string name, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _entries.Add(new KeyValuePair<string, string>(name, value ?? string.Empty));
    }

    /// <summary>
    /// Adds every value of <paramref name="values"/> for <paramref name="name"/>. Use it for an
    /// ASP.NET Core <c>StringValues</c>: its implicit string conversion would join the values with commas.
    /// </summary>
    /// <param name="name">The header name, in any case.</param>
    /// <param name="values">The values.</param>
    public void AddRange(string name, IEnumerable<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            Add(name, value);
        }
    }

    /// <summary>Whether at least one value exists for <paramref name="name"/>.</summary>
    /// <param name="name">The header name, in any case.</param>
    /// <returns><see langword="true"/> when the header is present.</returns>
    public bool Contains(string name) => IndexOf(name, 0) >= 0;

    /// <summary>Gets the first value of <paramref name="name"/>.</summary>
    /// <param name="name">The header name, in any case.</param>
    /// <param name="value">The first value, or <see langword="null"/> when the header is absent.</param>
    /// <returns><see langword="true"/> when the header is present.</returns>
    public bool TryGetValue(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        var index = IndexOf(name, 0);
        value = index >= 0 ? _entries[index].Value : null;
        return index >= 0;
    }

    /// <summary>Gets every value of <paramref name="name"/>, in the order they were added.</summary>
    /// <param name="name">The header name, in any case.</param>
    /// <returns>The values; empty when the header is absent.</returns>
    public IReadOnlyList<string> GetValues(string name)
    {
        List<string>? values = null;
        for (var i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            (values ??= new List<string>(1)).Add(_entries[i].Value);
        }

        return values is null ? Array.Empty<string>() : values;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Looks a header up for signature checking: absent, exactly one distinct value, or several
    /// different values (ambiguous; a verifier must not guess which one the provider signed).
    /// </summary>
    internal HeaderLookup Lookup(string name, out string value)
    {
        value = string.Empty;
        var first = IndexOf(name, 0);
        if (first < 0)
        {
            return HeaderLookup.Missing;
        }

        value = _entries[first].Value;
        for (var i = IndexOf(name, first + 1); i >= 0; i = IndexOf(name, i + 1))
        {
            if (!string.Equals(_entries[i].Value, value, StringComparison.Ordinal))
            {
                return HeaderLookup.Ambiguous;
            }
        }

        return HeaderLookup.Found;
    }

    private int IndexOf(string name, int start)
    {
        var entries = _entries;
        for (var i = start; i < entries.Count; i++)
        {
            if (string.Equals(entries[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>The outcome of looking a header up for verification.</summary>
internal enum HeaderLookup
{
    Missing,
    Found,
    Ambiguous,
}
