using Hookline.Console.Api;

namespace Hookline.Console.Components.Views;

/// <summary>
/// The state of one cursor-paged list: the current page, and the iterators that lead forward and
/// back. A list that is filtered again starts over from the first page.
/// </summary>
internal sealed class CursorList<T>
{
    private readonly Stack<string?> _before = new();
    private string? _current;

    public IReadOnlyList<T> Items { get; private set; } = [];

    public bool Loading { get; private set; }

    public string? Error { get; private set; }

    public bool HasNext { get; private set; }

    public bool HasPrevious => _before.Count > 0;

    private string? _next;

    /// <summary>Loads the first page.</summary>
    public Task ResetAsync(Func<string?, Task<ListResponse<T>>> load)
    {
        _before.Clear();
        return LoadAsync(load, null);
    }

    public Task NextAsync(Func<string?, Task<ListResponse<T>>> load)
    {
        _before.Push(_current);
        return LoadAsync(load, _next);
    }

    public Task PreviousAsync(Func<string?, Task<ListResponse<T>>> load) =>
        LoadAsync(load, _before.Count > 0 ? _before.Pop() : null);

    /// <summary>Reloads the page on screen (after a change).</summary>
    public Task ReloadAsync(Func<string?, Task<ListResponse<T>>> load) => LoadAsync(load, _current);

    private async Task LoadAsync(Func<string?, Task<ListResponse<T>>> load, string? iterator)
    {
        Loading = true;
        Error = null;
        try
        {
            var page = await load(iterator);
            _current = iterator;
            Items = page.Data;
            _next = page.Iterator;
            HasNext = !page.Done && page.Iterator is not null;
        }
        catch (HooklineApiException problem)
        {
            Error = problem.Message;
            Items = [];
            HasNext = false;
        }
        finally
        {
            Loading = false;
        }
    }
}
