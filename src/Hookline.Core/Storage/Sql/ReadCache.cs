using System.Collections.Concurrent;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// A small time-bounded cache for rows the hot paths read on every request (an application and
/// its endpoints, for each new message). Writes through the same store invalidate it at once; rows
/// changed by another node are seen after at most the lifetime.
/// </summary>
internal sealed class ReadCache<TValue>
{
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (long ExpiresAt, TValue Value)> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private long _generation;

    public ReadCache(TimeProvider time)
    {
        _time = time;
    }

    public TimeSpan Lifetime { get; set; }

    public async Task<TValue> GetAsync(string key, Func<Task<TValue>> load)
    {
        if (Lifetime <= TimeSpan.Zero)
        {
            return await load();
        }
        var now = _time.GetTimestamp();
        if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
        {
            return entry.Value;
        }
        // A write that lands while we load must not be overwritten by the older value we read.
        var generation = Volatile.Read(ref _generation);
        var value = await load();
        if (Volatile.Read(ref _generation) == generation)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }
            _entries[key] = (now + (long)(Lifetime.TotalSeconds * _time.TimestampFrequency), value);
        }
        return value;
    }

    public void Invalidate(string key)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(key, out _);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}
