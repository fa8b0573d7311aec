using Hookline.Core.Configuration;
using Hookline.Core.Delivery.Transport;
using Microsoft.Extensions.Options;

namespace Hookline.Core.Delivery;

/// <summary>The attribute rules on <see cref="DeliveryOptions"/>, checked by generated code (no reflection).</summary>
[OptionsValidator]
internal sealed partial class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>;

/// <summary>What attributes cannot say well: each list entry, and durations in their own notation, with the key, the value and the fix.</summary>
internal sealed class DeliveryOptionsRules : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var failures = new List<string>();
        foreach (var network in options.AllowedNetworks)
        {
            if (!NetworkRange.TryParse(network, out _, out var error))
            {
                failures.Add($"{DeliveryOptions.SectionName}:AllowedNetworks = '{network}': {error.TrimEnd('.')} (a CIDR range such as 10.1.0.0/16 or fd00::/8).");
            }
        }
        Between(failures, "Timeout", options.Timeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        Between(failures, "DisableAfter", options.DisableAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(3650));
        if (options.LeaseDuration is { } lease)
        {
            Between(failures, "LeaseDuration", lease, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Between(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{DeliveryOptions.SectionName}:{key} = '{Durations.Format(value)}': must be between {Durations.Format(min)} and {Durations.Format(max)}.");
        }
    }
}
