using Microsoft.Extensions.Options;

namespace Hookline.Console.Hosting;

/// <summary>Refuses portal settings that would break the page or its headers, naming the key and the fix.</summary>
internal sealed class PortalOptionsValidation : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.FrameAncestors) || options.FrameAncestors.IndexOfAny([';', ',', '\r', '\n']) >= 0)
        {
            failures.Add($"{PortalOptions.SectionName}:FrameAncestors must be a space-separated list of sources such as \"*\", \"'self'\" or \"https://app.example.com\" (no ';' or ','); it is \"{options.FrameAncestors}\".");
        }
        if (!string.Equals(options.Theme, "light", StringComparison.OrdinalIgnoreCase) && !string.Equals(options.Theme, "dark", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{PortalOptions.SectionName}:Theme must be \"light\" or \"dark\"; it is \"{options.Theme}\".");
        }
        if (options.PrimaryColor is { Length: > 0 } color && !PortalLook.IsColor(color))
        {
            failures.Add($"{PortalOptions.SectionName}:PrimaryColor must be a colour written #rgb or #rrggbb; it is \"{color}\".");
        }
        if (options.LogoUrl is { Length: > 0 } logo && !PortalLook.IsImageUrl(logo))
        {
            failures.Add($"{PortalOptions.SectionName}:LogoUrl must be an absolute http:// or https:// URL; it is \"{logo}\".");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
