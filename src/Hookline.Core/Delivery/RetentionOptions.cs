using Hookline.Core.Configuration;
using Microsoft.Extensions.Options;

namespace Hookline.Core.Delivery;

/// <summary>
/// How long history is kept, bound from <c>Hookline:Retention</c>. Messages older than
/// <see cref="Period"/> are removed with their attempts and deliveries (a message with a delivery still
/// pending or sending is kept), and so are ingest log entries. Durations read <c>90d</c>, <c>12h</c>,
/// <c>10m</c>, <c>0.5d</c>.
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Hookline:Retention";

    /// <summary>Whether history is purged at all.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Age after which a finished message, its attempts and ingest log entries are removed.</summary>
    /// <value>The default value is 90 days (Svix keeps history for 90 days too).</value>
    public TimeSpan Period { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Messages (and ingest log entries) removed per transaction; small batches keep each write short.</summary>
    /// <value>The default value is 500.</value>
    public int BatchSize { get; set; } = 500;

    /// <summary>How often housekeeping runs (payload expiry, idempotency keys, this purge).</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Each value with its key, the value and the allowed range.</summary>
internal sealed class RetentionOptionsRules : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var failures = new List<string>();
        // Seconds are allowed so that a soak test or a demo can watch history go; production uses days.
        if (options.Period < TimeSpan.FromSeconds(1) || options.Period > TimeSpan.FromDays(36_500))
        {
            failures.Add($"{RetentionOptions.SectionName}:Period = '{Durations.Format(options.Period)}': must be between 1s and 36500d.");
        }
        if (options.Interval < TimeSpan.FromMilliseconds(100) || options.Interval > TimeSpan.FromDays(1))
        {
            failures.Add($"{RetentionOptions.SectionName}:Interval = '{Durations.Format(options.Interval)}': must be between 100ms and 1d.");
        }
        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add($"{RetentionOptions.SectionName}:BatchSize = '{options.BatchSize}': must be between 1 and 10000.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
