namespace Hookline.Console.Tests.Infrastructure;

/// <summary>
/// A fact that needs Chromium (Debian's <c>chromium</c> package; <c>scripts/test.sh</c> installs it).
/// Without it the test is reported skipped, except under <c>CI=true</c>, where it runs and fails:
/// a missing browser never passes silently.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Where the browser is, when not at <c>/usr/bin/chromium</c>.</summary>
    public const string Variable = "HOOKLINE_TEST_CHROMIUM";

    public BrowserFactAttribute()
    {
        if (ExecutablePath is null && !IsCi)
        {
            Skip = $"Chromium was not found (install Debian's chromium package, or set {Variable}); scripts/test.sh installs it.";
        }
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? ExecutablePath =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured ? configured
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : null;

    public static string RequireExecutablePath() =>
        ExecutablePath ?? throw new InvalidOperationException($"Chromium is required (CI=true): install Debian's chromium package or set {Variable}; scripts/test.sh installs it.");
}
