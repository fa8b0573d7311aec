using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Hookline.Testing;

/// <summary>
/// Runs the npm packages installed in test/js through node: an oracle script of test/js/oracles
/// (JSON on stdin, JSON on stdout) or any other script there with arguments. When node or
/// test/js/node_modules is missing the test is skipped with a reason, except under CI=true, where
/// it fails: a test that needs node must never pass silently.
/// </summary>
public static class NodeOracle
{
    private static readonly Lazy<string?> JsRoot = new(FindJsRoot);

    /// <summary>
    /// False, with the reason, when node or test/js/node_modules is missing; under CI=true that
    /// fails the test instead.
    /// </summary>
    public static bool Available(out string why)
    {
        var root = JsRoot.Value;
        why = root is null
            ? "test/js was not found above the test directory."
            : !Directory.Exists(Path.Combine(root, "node_modules"))
                ? "test/js/node_modules is missing; run 'npm ci' in test/js (scripts/test.sh does)."
                : FindNode() is null ? "node is not on PATH." : string.Empty;
        if (why.Length > 0 && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("npm oracle unavailable under CI=true: " + why);
        }

        return why.Length == 0;
    }

    /// <summary>
    /// Runs the oracle <paramref name="script"/> of test/js/oracles with <paramref name="input"/> as
    /// JSON; bytes travel base64. Skips the test (a <c>[SkippableFact]</c>) when node is unavailable.
    /// </summary>
    public static async Task<JsonNode> RunAsync(string script, object input)
    {
        var root = RequireJsRoot();
        var start = new ProcessStartInfo(FindNode()!, Path.Combine(root, "oracles", script))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitOrKillAsync(process, TimeSpan.FromSeconds(90));
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"oracle {script} exited {process.ExitCode}: {await stderr}");
        return JsonNode.Parse(output) ?? throw new InvalidOperationException("oracle printed nothing");
    }

    /// <summary>
    /// Runs <paramref name="script"/> (a path below test/js, e.g. <c>compat/svix-client.mjs</c>) with
    /// <paramref name="args"/>, in the script's folder, and returns what it printed. Skips the test
    /// (a <c>[SkippableFact]</c>) when node is unavailable.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunScriptAsync(string script, params string[] args)
    {
        var path = Path.Combine(RequireJsRoot(), script);
        var start = new ProcessStartInfo(FindNode()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(path)!,
        };
        start.ArgumentList.Add(path);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitOrKillAsync(process, TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Waits for node to exit; a run that hangs past <paramref name="limit"/> is killed, not left behind.</summary>
    private static async Task WaitOrKillAsync(Process process, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>
    /// Skips the test (a <c>[SkippableFact]</c> or <c>[SkippableTheory]</c>) when node or the npm
    /// packages are missing; under CI=true fails it instead.
    /// </summary>
    public static void Require() => Skip.IfNot(Available(out var why), "npm oracle unavailable: " + why);

    private static string RequireJsRoot()
    {
        Require();
        return JsRoot.Value!;
    }

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);

    private static string? FindJsRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "test", "js");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        return null;
    }
}
