using System.ComponentModel.DataAnnotations;
using Hookline.Core.Configuration;

namespace Hookline.Core.Delivery;

/// <summary>
/// Outbound delivery settings, bound from <c>Hookline:Delivery</c> by
/// <c>AddHooklineCore(IConfigurationSection)</c>. Durations in configuration are strings such as
/// <c>5s</c> (see <see cref="Durations"/>); lists are indexed entries or one comma-separated value.
/// </summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Hookline:Delivery";

    private static readonly TimeSpan[] DefaultRetrySchedule = [.. Durations.ParseList("5s,5m,30m,2h,5h,10h,10h")];

    /// <summary>Allow loopback and private (RFC 1918, unique-local) destinations.</summary>
    /// <value>The default value is <see langword="false"/>. Link-local and cloud metadata stay blocked.</value>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>CIDR ranges always allowed, for example <c>10.1.0.0/16</c> or <c>169.254.169.254/32</c>.</summary>
    /// <value>The default value is empty.</value>
    public SettingList<string> AllowedNetworks { get; set; } = [];

    /// <summary>Refuse endpoints whose URL is not <c>https://</c>.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool HttpsOnly { get; set; }

    /// <summary>Delays after the immediate first try; <see langword="null"/> means the default schedule.</summary>
    /// <value>The default value is <see langword="null"/>: <c>5s,5m,30m,2h,5h,10h,10h</c> (see <see cref="EffectiveRetrySchedule"/>).</value>
    /// <remarks>
    /// Null rather than the default list because the configuration binder adds indexed entries to a
    /// list that is already there: a configured schedule must replace the default, not extend it.
    /// </remarks>
    public SettingList<TimeSpan>? RetrySchedule { get; set; }

    /// <summary>Per-attempt request timeout.</summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Continuous failure window after which an endpoint is disabled.</summary>
    /// <value>The default value is 5 days.</value>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Default per-endpoint limit on requests in flight at once.</summary>
    /// <value>The default value is 10.</value>
    [Range(1, 10_000)]
    public int MaxConcurrencyPerEndpoint { get; set; } = 10;

    /// <summary>How long a claimed delivery stays leased to a node before others may take it.</summary>
    /// <value>The default value is the timeout plus 30 seconds.</value>
    public TimeSpan? LeaseDuration { get; set; }

    /// <summary>Longest <c>Retry-After</c> honoured; longer values are cut to this.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many bytes of a response body are kept on the attempt.</summary>
    /// <value>The default value is 20 KB (20480 bytes).</value>
    [Range(0, 100 * 1024 * 1024)]
    public int MaxResponseBodyBytes { get; set; } = 20 * 1024;

    /// <summary>The effective lease duration.</summary>
    public TimeSpan EffectiveLeaseDuration => LeaseDuration ?? Timeout + TimeSpan.FromSeconds(30);

    /// <summary>The effective retry schedule: the configured one, else <c>5s,5m,30m,2h,5h,10h,10h</c>.</summary>
    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule is { } configured ? [.. configured] : DefaultRetrySchedule;
}
