namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>Exponential backoff: the first retry waits the base delay, each later one twice as long, capped, with jitter.</summary>
internal static class RetryBackoff
{
    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double jitter, double random)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 62);
        var ms = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        // random in [0, 1) maps to a factor in [1 - jitter, 1 + jitter).
        return TimeSpan.FromMilliseconds(ms * (1 + (jitter * ((2 * random) - 1))));
    }
}
