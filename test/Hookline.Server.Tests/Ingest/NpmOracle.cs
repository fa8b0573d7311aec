using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hookline.Testing;

namespace Hookline.Server.Tests.Ingest;

/// <summary>
/// Signs like the provider's own SDK: runs an oracle script of <c>test/js/oracles</c> (the npm
/// packages <c>stripe</c>, <c>@octokit/webhooks-methods</c>, <c>svix</c>, <c>standardwebhooks</c>,
/// <c>twilio</c>) with JSON on stdin and stdout. <see cref="Available"/> is false when node or
/// <c>test/js/node_modules</c> is missing; under <c>CI=true</c> that fails the test instead.
/// </summary>
internal static class NpmOracle
{
    private static readonly string JsRoot = Path.Combine(ServerProcess.RepositoryRoot, "test", "js");

    public static bool Available(out string why)
    {
        why = !Directory.Exists(Path.Combine(JsRoot, "node_modules")) ? "test/js/node_modules is missing; run 'npm ci' in test/js (scripts/test.sh does)."
            : Node() is null ? "node is not on PATH." : "";
        if (why.Length > 0 && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("npm oracle unavailable under CI=true: " + why);
        }
        return why.Length == 0;
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="input"/>; <c>body</c> (bytes) travels base64.</summary>
    public static async Task<JsonNode> RunAsync(string script, object input)
    {
        var start = new ProcessStartInfo(Node()!, Path.Combine(JsRoot, "oracles", script))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = JsRoot,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"oracle {script} exited {process.ExitCode}: {await stderr}");
        var node = JsonNode.Parse(output) ?? throw new InvalidOperationException("the oracle printed nothing");
        Assert.True(node["error"] is null, $"oracle {script} failed: {node["error"]}");
        return node;
    }

    private static string? Node() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);
}
