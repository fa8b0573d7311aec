using Microsoft.Extensions.Options;

namespace Hookline.Server.Configuration;

/// <summary>The attribute rules on <see cref="HooklineServerOptions"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class HooklineServerOptionsValidator : IValidateOptions<HooklineServerOptions>;

/// <summary>The attribute rules on <see cref="TelemetryOptions"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>;

/// <summary>
/// The rules of the <c>Hookline</c> section that attributes cannot say: those that relate two
/// settings (the provider and its connection string), and the admin token, whose value is never
/// repeated in a message.
/// </summary>
internal sealed class HooklineServerOptionsRules : IValidateOptions<HooklineServerOptions>
{
    public const int MinAdminTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, HooklineServerOptions options)
    {
        var failures = new List<string>();
        var provider = options.Storage.Provider;
        if (!IsSqlite(provider) && !IsPostgres(provider))
        {
            failures.Add($"Hookline:Storage:Provider = '{provider}': use 'sqlite' or 'postgres'.");
        }
        else if (IsPostgres(provider) && string.IsNullOrWhiteSpace(options.Storage.ConnectionString))
        {
            failures.Add("Hookline:Storage:Provider = 'postgres' needs Hookline:Storage:ConnectionString (e.g. Host=db;Username=hookline;Password=…;Database=hookline).");
        }
        if (options.PublicUrl is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Hookline:PublicUrl = '{url}': must be an absolute http:// or https:// URL, e.g. https://hooks.example.com.");
        }
        if (options.AdminToken is { Length: > 0 and < MinAdminTokenLength } token)
        {
            // A secret, even a bad one, is not echoed: its length says what is wrong.
            failures.Add($"Hookline:AdminToken is {token.Length} characters long: use at least {MinAdminTokenLength} (e.g. the output of 'openssl rand -hex 32'), or unset it to have one generated.");
        }
        if (options.Secrets.KeyRingCertificatePath is { Length: > 0 } certificatePath
            && Secrets.KeyRingCertificate.Problem(certificatePath, options.Secrets.KeyRingCertificatePassword) is { } problem)
        {
            failures.Add($"Hookline:Secrets:KeyRingCertificatePath = '{certificatePath}': {problem}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool IsSqlite(string provider) => provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase);

    public static bool IsPostgres(string provider) => provider.Equals("postgres", StringComparison.OrdinalIgnoreCase);
}
