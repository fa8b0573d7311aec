using System.Globalization;

namespace Hookline.Core.Configuration;

/// <summary>
/// Durations as Hookline's configuration writes them: <c>500ms</c>, <c>5s</c>, <c>5m</c>,
/// <c>2h</c>, <c>5d</c>. A .NET <see cref="TimeSpan"/> string (<c>00:00:05</c>) is accepted too.
/// </summary>
public static class Durations
{
    public static TimeSpan Parse(string text)
    {
        if (TryParse(text, out var value))
        {
            return value;
        }
        throw new FormatException($"'{text}' is not a duration; write it like 500ms, 5s, 5m, 2h or 5d.");
    }

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var s = text.Trim();
        (string suffix, double unitMs)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach (var (suffix, unitMs) in units)
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && !(suffix == "s" && s.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
                && double.TryParse(s.AsSpan(0, s.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                && n >= 0 && double.IsFinite(n)
                // Beyond TimeSpan's range (about 29,000 years) is not a duration either.
                && n * unitMs < TimeSpan.MaxValue.TotalMilliseconds)
            {
                value = TimeSpan.FromMilliseconds(n * unitMs);
                return true;
            }
        }
        return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    /// <summary>Parses a comma-separated list such as <c>5s,5m,30m</c>.</summary>
    public static IReadOnlyList<TimeSpan> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();

    /// <summary>Formats a duration the way configuration writes it (largest exact unit).</summary>
    public static string Format(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        if (ms != 0 && ms % 86_400_000 == 0) return $"{ms / 86_400_000}d";
        if (ms != 0 && ms % 3_600_000 == 0) return $"{ms / 3_600_000}h";
        if (ms != 0 && ms % 60_000 == 0) return $"{ms / 60_000}m";
        if (ms != 0 && ms % 1000 == 0) return $"{ms / 1000}s";
        return $"{ms}ms";
    }
}
