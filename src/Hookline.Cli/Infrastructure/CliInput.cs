using System.Globalization;
using System.Text;

namespace Hookline.Cli.Infrastructure;

/// <summary>Values given on the command line: <c>@file</c> contents, durations, points in time.</summary>
internal static class CliInput
{
    /// <summary>
    /// <c>@path</c> reads the file's exact bytes, <c>@-</c> reads standard input, anything else is the
    /// text itself (UTF-8).
    /// </summary>
    public static byte[] ReadValue(string value, string option)
    {
        if (!value.StartsWith('@'))
        {
            return Encoding.UTF8.GetBytes(value);
        }
        var path = value[1..];
        try
        {
            if (path == "-")
            {
                using var stdin = Console.OpenStandardInput();
                using var buffer = new MemoryStream();
                stdin.CopyTo(buffer);
                return buffer.ToArray();
            }
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CliException.Usage($"{option}: cannot read '{path}': {ex.Message}");
        }
    }

    /// <summary>Durations as Hookline writes them: <c>500ms</c>, <c>90s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>; a bare number is seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], "ms")
            : text.Length > 0 && char.IsAsciiLetter(text[^1]) ? (text[..^1], text[^1..].ToLowerInvariant())
            : (text, "s");
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            return false;
        }
        double seconds = unit switch
        {
            "ms" => value / 1000,
            "s" => value,
            "m" => value * 60,
            "h" => value * 3600,
            "d" => value * 86400,
            "w" => value * 604800,
            _ => double.NaN,
        };
        if (double.IsNaN(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static TimeSpan ParseDuration(string text, string option) =>
        TryParseDuration(text, out var duration)
            ? duration
            : throw CliException.Usage($"{option}: '{text}' is not a duration (write 500ms, 90s, 5m, 2h or 7d)");

    /// <summary>A point in time: a duration back from now (<c>1h</c>), or a date and time (<c>2026-01-02T10:00:00Z</c>; UTC unless it says otherwise).</summary>
    public static DateTimeOffset ParseTime(string text, string option, DateTimeOffset now)
    {
        if (TryParseDuration(text, out var ago))
        {
            return now - ago;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        throw CliException.Usage($"{option}: '{text}' is neither a duration back from now (1h, 30m, 2d) nor a date and time (2026-01-02T10:00:00Z)");
    }

    /// <summary>A readable duration: <c>312 ms</c>, <c>4.2 s</c>, <c>5m12s</c>, <c>2h5m</c>.</summary>
    public static string Describe(TimeSpan duration)
    {
        duration = duration.Duration();
        return duration.TotalSeconds < 1 ? $"{duration.TotalMilliseconds:0} ms"
            : duration.TotalSeconds < 60 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#} s")
            : duration.TotalHours < 1 ? $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s"
            : duration.TotalDays < 1 ? $"{(int)duration.TotalHours}h{duration.Minutes:00}m"
            : $"{(int)duration.TotalDays}d{duration.Hours:00}h";
    }
}
