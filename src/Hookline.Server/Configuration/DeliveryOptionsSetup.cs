using System.Globalization;
using Hookline.Core.Configuration;
using Hookline.Core.Delivery;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Configuration;

/// <summary>
/// Binds <c>Hookline:Delivery</c> into <see cref="DeliveryOptions"/>. Durations are written the
/// Hookline way (<c>5s</c>, <c>5m,30m</c>), which the default binder cannot read; values that do
/// not parse are left at their defaults here and reported by <see cref="DeliveryOptionsValidation"/>,
/// which stops the start with the key and the offending value.
/// </summary>
internal sealed class DeliveryOptionsSetup(IConfiguration configuration) : IConfigureOptions<DeliveryOptions>
{
    public void Configure(DeliveryOptions options)
    {
        var section = configuration.GetSection(DeliveryOptions.SectionName);
        if (bool.TryParse(section["AllowPrivateNetworks"], out var allowPrivate))
        {
            options.AllowPrivateNetworks = allowPrivate;
        }
        if (bool.TryParse(section["HttpsOnly"], out var httpsOnly))
        {
            options.HttpsOnly = httpsOnly;
        }
        foreach (var network in DeliveryOptionsValidation.ReadList(section.GetSection("AllowedNetworks")))
        {
            if (!options.AllowedNetworks.Contains(network))
            {
                options.AllowedNetworks.Add(network);
            }
        }
        if (section["RetrySchedule"] is { } schedule && DeliveryOptionsValidation.TryParseSchedule(schedule, out var delays, out _))
        {
            options.RetrySchedule = delays;
        }
        else if (section.GetSection("RetrySchedule").GetChildren().Any()
            && DeliveryOptionsValidation.TryParseSchedule(string.Join(',', section.GetSection("RetrySchedule").GetChildren().Select(c => c.Value)), out var listed, out _))
        {
            options.RetrySchedule = listed;
        }
        if (Durations.TryParse(section["Timeout"], out var timeout))
        {
            options.Timeout = timeout;
        }
        if (Durations.TryParse(section["DisableAfter"], out var disableAfter))
        {
            options.DisableAfter = disableAfter;
        }
        if (Durations.TryParse(section["LeaseDuration"], out var lease))
        {
            options.LeaseDuration = lease;
        }
        if (Durations.TryParse(section["MaxRetryAfter"], out var maxRetryAfter))
        {
            options.MaxRetryAfter = maxRetryAfter;
        }
        if (int.TryParse(section["MaxConcurrencyPerEndpoint"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var concurrency))
        {
            options.MaxConcurrencyPerEndpoint = concurrency;
        }
        if (int.TryParse(section["MaxResponseBodyBytes"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bodyBytes))
        {
            options.MaxResponseBodyBytes = bodyBytes;
        }
    }
}

/// <summary>Checks <c>Hookline:Delivery</c> at start-up and names every bad key with its value.</summary>
internal sealed class DeliveryOptionsValidation(IConfiguration configuration) : IValidateOptions<DeliveryOptions>
{
    private static readonly string[] DurationKeys = ["Timeout", "DisableAfter", "LeaseDuration", "MaxRetryAfter"];

    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var section = configuration.GetSection(DeliveryOptions.SectionName);
        var failures = new List<string>();
        foreach (var key in DurationKeys)
        {
            if (section[key] is { } text && !Durations.TryParse(text, out _))
            {
                failures.Add($"{DeliveryOptions.SectionName}:{key} = '{text}' is not a duration; write it like 500ms, 5s, 5m, 2h or 5d.");
            }
        }
        if (section["RetrySchedule"] is { } schedule && !TryParseSchedule(schedule, out _, out var error))
        {
            failures.Add($"{DeliveryOptions.SectionName}:RetrySchedule = '{schedule}': {error}");
        }
        foreach (var key in new[] { "AllowPrivateNetworks", "HttpsOnly" })
        {
            if (section[key] is { } text && !bool.TryParse(text, out _))
            {
                failures.Add($"{DeliveryOptions.SectionName}:{key} = '{text}' must be true or false.");
            }
        }
        foreach (var key in new[] { "MaxConcurrencyPerEndpoint", "MaxResponseBodyBytes" })
        {
            if (section[key] is { } text && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                failures.Add($"{DeliveryOptions.SectionName}:{key} = '{text}' must be a whole number.");
            }
        }
        foreach (var network in ReadList(section.GetSection("AllowedNetworks")))
        {
            if (!IsCidr(network))
            {
                failures.Add($"{DeliveryOptions.SectionName}:AllowedNetworks entry '{network}' is not a CIDR range such as 10.1.0.0/16 or fd00::/8.");
            }
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{DeliveryOptions.SectionName}:Timeout must be greater than zero.");
        }
        if (options.MaxConcurrencyPerEndpoint < 1)
        {
            failures.Add($"{DeliveryOptions.SectionName}:MaxConcurrencyPerEndpoint must be at least 1.");
        }
        if (options.MaxResponseBodyBytes < 0)
        {
            failures.Add($"{DeliveryOptions.SectionName}:MaxResponseBodyBytes must not be negative.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A list given as array entries (<c>AllowedNetworks:0</c>) or one comma-separated value (environment variables).</summary>
    internal static IEnumerable<string> ReadList(IConfigurationSection section)
    {
        var values = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? "");
        return values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    internal static bool TryParseSchedule(string text, out IReadOnlyList<TimeSpan> delays, out string error)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var list = new List<TimeSpan>(parts.Length);
        foreach (var part in parts)
        {
            if (!Durations.TryParse(part, out var delay))
            {
                delays = [];
                error = $"'{part}' is not a duration; write the schedule like 5s,5m,30m,2h.";
                return false;
            }
            list.Add(delay);
        }
        delays = list;
        error = "";
        return true;
    }

    private static bool IsCidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = slash < 0 ? text : text[..slash];
        if (!System.Net.IPAddress.TryParse(address, out var ip))
        {
            return false;
        }
        if (slash < 0)
        {
            return true;
        }
        var max = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        return int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits >= 0 && bits <= max;
    }
}

/// <summary>Checks the <c>Hookline</c> section at start-up.</summary>
internal sealed class HooklineServerOptionsValidation : IValidateOptions<HooklineServerOptions>
{
    public ValidateOptionsResult Validate(string? name, HooklineServerOptions options)
    {
        var failures = new List<string>();
        var provider = options.Storage.Provider;
        if (!provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase) && !provider.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Hookline:Storage:Provider = '{provider}': use 'sqlite' or 'postgres'.");
        }
        else if (provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(options.Storage.ConnectionString))
        {
            failures.Add("Hookline:Storage:Provider = 'postgres' needs Hookline:Storage:ConnectionString (e.g. Host=db;Username=hookline;Password=…;Database=hookline).");
        }
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Hookline:DataDirectory must not be empty.");
        }
        if (options.Limits.MaxPayloadBytes < 1024)
        {
            failures.Add($"Hookline:Limits:MaxPayloadBytes = {options.Limits.MaxPayloadBytes}: must be at least 1024.");
        }
        if (options.PublicUrl is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Hookline:PublicUrl = '{url}': must be an absolute http:// or https:// URL.");
        }
        if (options.AdminToken is { Length: > 0 and < 16 })
        {
            failures.Add("Hookline:AdminToken must be at least 16 characters long.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
