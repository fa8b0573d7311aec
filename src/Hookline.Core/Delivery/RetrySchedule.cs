namespace Hookline.Core.Delivery;

/// <summary>
/// When to try again after a failed attempt: the configured delays (after the immediate first try),
/// each spread ±20 % so that a burst of failures does not come back as a burst of retries.
/// </summary>
public sealed class RetrySchedule
{
    private const double Jitter = 0.2;

    private readonly IReadOnlyList<TimeSpan> _delays;

    public RetrySchedule(IReadOnlyList<TimeSpan> delays)
    {
        _delays = delays;
    }

    /// <summary>How many attempts a delivery gets in all: the first plus one per delay.</summary>
    public int MaxAttempts => _delays.Count + 1;

    /// <summary>The delay before the next try after <paramref name="attemptsMade"/> attempts, or null when none are left.</summary>
    public TimeSpan? NextDelay(int attemptsMade, Random random)
    {
        if (attemptsMade < 1 || attemptsMade > _delays.Count)
        {
            return null;
        }
        var delay = _delays[attemptsMade - 1];
        var factor = 1 + ((random.NextDouble() * 2) - 1) * Jitter;
        return TimeSpan.FromMilliseconds(delay.TotalMilliseconds * factor);
    }
}
