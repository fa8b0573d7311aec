using System.Diagnostics;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;
using Hookline.Testing;

namespace Hookline.Server.Tests.Compat;

/// <summary>
/// Svix compatibility, proven with Svix's own official npm client, unmodified: it manages apps,
/// event types, endpoints (headers, secret rotation), messages, attempts, resend, recover and app
/// portal tokens over real HTTP against Hookline, and the message arrives signed at a real receiver.
/// </summary>
public sealed class SvixNpmClientTests
{
    private const string AdminToken = "hk_test_svix_compat_admin_token";

    [Fact]
    public async Task OfficialSvixClient_FullWalkthrough_Works()
    {
        var script = Path.Combine(ServerProcess.RepositoryRoot, "test", "js", "compat", "svix-client.mjs");
        if (!NodeAvailable(out var why))
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") != "true", $"Under CI=true the Svix client test must run: {why}");
            return;
        }
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:AdminToken"] = AdminToken,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        });

        var (exitCode, stdout, stderr) = await RunNodeAsync(script, host.BaseAddress.ToString().TrimEnd('/'), AdminToken, receiver.Url("/svix"));

        Assert.True(exitCode == 0, $"svix client walkthrough failed:\n{stderr}\n{stdout}");
        var facts = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        var messageId = facts.GetProperty("messageId").GetString()!;
        var delivered = receiver.At("/svix").Where(r => r.Headers["webhook-id"] == messageId).ToList();
        Assert.NotEmpty(delivered);
        // Sent after the rotation: signed with the new secret, and the old one still verifies during its grace period.
        foreach (var secret in new[] { facts.GetProperty("secretAfter").GetString()!, facts.GetProperty("secretBefore").GetString()! })
        {
            using var key = StandardWebhookSecret.Parse(secret);
            var result = new StandardWebhookVerifier(key).Verify(new WebhookRequest(new WebhookHeaders(delivered[0].Headers), delivered[0].Body));
            Assert.True(result.IsValid, result.ToString());
        }
    }

    private static bool NodeAvailable(out string why)
    {
        why = "";
        var modules = Path.Combine(ServerProcess.RepositoryRoot, "test", "js", "node_modules", "svix");
        if (!Directory.Exists(modules))
        {
            why = $"{modules} is missing; run npm ci in test/js (scripts/test.sh does).";
            return false;
        }
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            node.WaitForExit();
            return node.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            why = "node is not installed: " + ex.Message;
            return false;
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunNodeAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(script)! };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
