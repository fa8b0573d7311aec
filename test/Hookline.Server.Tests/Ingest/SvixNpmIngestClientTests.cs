using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;
using Hookline.Testing;

namespace Hookline.Server.Tests.Ingest;

/// <summary>
/// The official svix npm client (2.5.0), unmodified, manages ingest sources and their endpoints
/// against Hookline (create, get by id and uid, list, upsert, rotate token, portal access, endpoint
/// CRUD, headers, secret rotation, delete), and a request it signs reaches a real receiver re-signed
/// by Hookline.
/// </summary>
public sealed class SvixNpmIngestClientTests
{
    private const string AdminToken = "hk_test_svix_ingest_compat_admin_token";

    [Fact]
    public async Task OfficialSvixClient_ManagesSourcesAndSourceEndpoints()
    {
        if (!NodeOracle.Available(out _))
        {
            return;
        }
        var script = Path.Combine(ServerProcess.RepositoryRoot, "test", "js", "compat", "svix-ingest.mjs");
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:AdminToken"] = AdminToken,
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        });

        var (exitCode, stdout, stderr) = await RunNodeAsync(script, host.BaseAddress.ToString().TrimEnd('/'), AdminToken, receiver.Url("/ingest-compat"));

        Assert.True(exitCode == 0, $"svix ingest walkthrough failed:\n{stderr}\n{stdout}");
        var facts = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        var messageId = facts.GetProperty("messageId").GetString()!;
        var forwarded = await ApiClientExtensions.EventuallyAsync(
            () => Task.FromResult(receiver.At("/ingest-compat").Where(r => r.Headers["webhook-id"] == messageId).ToList()), l => l.Count > 0);
        var request = Assert.Single(forwarded);
        Assert.Equal(Encoding.UTF8.GetBytes(facts.GetProperty("payload").GetString()!), request.Body);
        Assert.Equal("ingest", request.Headers["x-compat"]);
        using var secret = StandardWebhookSecret.Parse(facts.GetProperty("secretAfter").GetString()!);
        Assert.True(new StandardWebhookVerifier(secret).Verify(new WebhookRequest(new WebhookHeaders(request.Headers), request.Body)).IsValid);
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
