using Hookline.Cli.Tests.Infrastructure;

namespace Hookline.Cli.Tests;

/// <summary>The tool as a user gets it: packed, installed with <c>dotnet tool install</c>, run as <c>hookline</c>.</summary>
public sealed class PackagingTests
{
    [Fact]
    public async Task Tool_PackedAndInstalled_RunsAsHookline()
    {
        using var work = TemporaryDirectory.Create("hookline-cli-tool");
        // scripts/test.sh packs everything first and says where; otherwise pack the tool here.
        var packages = Environment.GetEnvironmentVariable("HOOKLINE_TEST_PACKAGES") is { Length: > 0 } packed
            && Directory.EnumerateFiles(packed, "Hookline.Cli.*.nupkg").Any()
                ? packed
                : Path.Combine(work.Path, "packages");
        if (packages != Environment.GetEnvironmentVariable("HOOKLINE_TEST_PACKAGES"))
        {
            var pack = await RunAsync(work.Path, privateCache: false, "dotnet", "pack", Path.Combine(ServerProcess.RepositoryRoot, "src", "Hookline.Cli"), "-c", "Release", "-o", packages, "--nologo");
            Assert.True(pack.ExitCode == 0, pack.Output);
        }
        var tools = Path.Combine(work.Path, "tools");

        // A private package cache, so an earlier pack of the same version cannot stand in for this one.
        var install = await RunAsync(work.Path, privateCache: true, "dotnet", "tool", "install", "Hookline.Cli", "--tool-path", tools, "--add-source", packages, "--ignore-failed-sources");
        Assert.True(install.ExitCode == 0, install.Output);
        var hookline = Path.Combine(tools, OperatingSystem.IsWindows() ? "hookline.exe" : "hookline");
        Assert.True(File.Exists(hookline), $"{hookline} was not installed:\n{install.Output}");

        var help = await RunAsync(work.Path, privateCache: false, hookline, "--help");
        var verify = await RunAsync(work.Path, privateCache: false, hookline, "verify", "--scheme", "github", "--secret", "s", "--body", "{}",
            "--header", "X-Hub-Signature-256: sha256=" + new string('0', 64));

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("listen", help.Output, StringComparison.Ordinal);
        Assert.Contains("verify", help.Output, StringComparison.Ordinal);
        Assert.Equal(1, verify.ExitCode);
        Assert.StartsWith("invalid: signature mismatch: ", verify.Output, StringComparison.Ordinal);
    }

    private static async Task<CliResult> RunAsync(string directory, bool privateCache, string file, params string[] args)
    {
        var environment = new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        if (privateCache)
        {
            environment["NUGET_PACKAGES"] = Path.Combine(directory, "nuget-cache");
        }
        await using var process = CliProcess.Start(file, args, environment);
        var result = await process.WaitAsync(TimeSpan.FromMinutes(5));
        return result with { Output = result.Output + result.Error };
    }
}
