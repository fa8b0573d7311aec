using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Hookline.Testing;

/// <summary>
/// Runs an npm oracle script (test/js/oracles/*.mjs): JSON on stdin, JSON on stdout. When node or
/// test/js/node_modules is missing the test is skipped with a reason, except under CI=true, where
/// it fails: an oracle test must never pass silently.
/// </summary>
public static class NodeOracle
{
    private static readonly Lazy<string?> JsRoot = new(FindJsRoot);

    public static async Task<JsonNode> RunAsync(string script, object input)
    {
        var root = JsRoot.Value;
        var node = FindNode();
        var problem = root is null
            ? "test/js was not found above the test directory."
            : !Directory.Exists(Path.Combine(root, "node_modules"))
                ? "test/js/node_modules is missing; run 'npm ci' in test/js (scripts/test.sh does)."
                : node is null ? "node is not on PATH." : null;
        if (problem is not null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("npm oracle unavailable under CI=true: " + problem);
            }

            Skip.If(true, "npm oracle unavailable: " + problem);
        }

        var start = new ProcessStartInfo(node!, Path.Combine(root!, "oracles", script))
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"oracle {script} exited {process.ExitCode}: {await stderr}");
        return JsonNode.Parse(output) ?? throw new InvalidOperationException("oracle printed nothing");
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
