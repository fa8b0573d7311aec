namespace Hookline.Testing;

/// <summary>Judging a throttle from when requests left and when they arrived.</summary>
public static class ThrottleWindows
{
    /// <summary>The most of <paramref name="sorted"/> within any one-second window (sliding, half-open), and the index of that window's first.</summary>
    public static (int Count, int Start) Busiest(IReadOnlyList<DateTimeOffset> sorted)
    {
        var (busiest, start) = (0, 0);
        for (int i = 0, j = 0; i < sorted.Count; i++)
        {
            while (sorted[i] - sorted[j] >= TimeSpan.FromSeconds(1))
            {
                j++;
            }
            if (i - j + 1 > busiest)
            {
                (busiest, start) = (i - j + 1, j);
            }
        }
        return (busiest, start);
    }

    /// <summary>
    /// How long a request (by its message id and arrival time) was on its way: from the latest
    /// attempt of its message that started before it arrived; <see cref="TimeSpan.MaxValue"/> when
    /// none did.
    /// </summary>
    public static Func<string, DateTimeOffset, TimeSpan> InTransit(IEnumerable<(string MessageId, DateTimeOffset StartedAt)> attempts)
    {
        var starts = attempts.GroupBy(a => a.MessageId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(a => a.StartedAt).ToList(), StringComparer.Ordinal);
        return (messageId, arrivedAt) => starts.TryGetValue(messageId, out var times) && times.Where(t => t <= arrivedAt).ToList() is { Count: > 0 } before
            ? arrivedAt - before.Max()
            : TimeSpan.MaxValue;
    }
}
