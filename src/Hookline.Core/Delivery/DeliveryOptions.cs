using Hookline.Core.Configuration;

namespace Hookline.Core.Delivery;

/// <summary>
/// Outbound delivery settings, bound from <c>Hookline:Delivery</c>. Durations in configuration
/// are strings such as <c>5s</c>; see <see cref="Durations"/>.
/// </summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Hookline:Delivery";

    /// <summary>Allow loopback and private (RFC 1918, unique-local) destinations.</summary>
    /// <value>The default value is <see langword="false"/>. Link-local and cloud metadata stay blocked.</value>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>CIDR ranges always allowed, for example <c>10.1.0.0/16</c> or <c>169.254.169.254/32</c>.</summary>
    /// <value>The default value is empty.</value>
    public IList<string> AllowedNetworks { get; } = [];

    /// <summary>Refuse endpoints whose URL is not <c>https://</c>.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool HttpsOnly { get; set; }

    /// <summary>Delays after the immediate first try.</summary>
    /// <value>The default value is <c>5s,5m,30m,2h,5h,10h,10h</c>.</value>
    public IReadOnlyList<TimeSpan> RetrySchedule { get; set; } = Durations.ParseList("5s,5m,30m,2h,5h,10h,10h");

    /// <summary>Per-attempt request timeout.</summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Continuous failure window after which an endpoint is disabled.</summary>
    /// <value>The default value is 5 days.</value>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Default per-endpoint limit on requests in flight at once.</summary>
    /// <value>The default value is 10.</value>
    public int MaxConcurrencyPerEndpoint { get; set; } = 10;

    /// <summary>How long a claimed delivery stays leased to a node before others may take it.</summary>
    /// <value>The default value is the timeout plus 30 seconds.</value>
    public TimeSpan? LeaseDuration { get; set; }

    /// <summary>Longest <c>Retry-After</c> honoured; longer values are cut to this.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many bytes of a response body are kept on the attempt.</summary>
    /// <value>The default value is 20 KB (20480 bytes).</value>
    public int MaxResponseBodyBytes { get; set; } = 20 * 1024;

    /// <summary>The effective lease duration.</summary>
    public TimeSpan EffectiveLeaseDuration => LeaseDuration ?? Timeout + TimeSpan.FromSeconds(30);
}
