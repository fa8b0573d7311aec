using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hookline.Bench.Ingest;

/// <summary>
/// The two comparison points of the ingest scenario, each in its own process: a bare Kestrel
/// endpoint that reads the body and answers 200 (the ceiling for an ASP.NET Core receiver on this
/// machine), and adnanh/webhook (the Debian package <c>webhook</c>) with an equivalent rule.
/// </summary>
internal static class ComparisonTargets
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The bare endpoint's process body: <c>Hookline.Bench ingest --serve-bare PORT</c>.</summary>
    public static async Task<int> ServeBareAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/_ready", () => Results.Ok());
        app.Run(async ctx =>
        {
            // Nothing but what any receiver must do: take the body in, answer 200.
            await ctx.Request.Body.CopyToAsync(Stream.Null);
            ctx.Response.StatusCode = 200;
        });
        await app.RunAsync();
        return 0;
    }

    public static async Task<Process> StartBareAsync(int port)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(ComparisonTargets).Assembly.Location);
        start.ArgumentList.Add("ingest");
        start.ArgumentList.Add("--serve-bare");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitListeningAsync(new Uri($"http://127.0.0.1:{port}/_ready"), process, expectOk: true);
        return process;
    }

    /// <summary>The <c>webhook</c> binary, installed from the Debian package when missing and we are root; null when unavailable.</summary>
    public static async Task<string?> FindOrInstallWebhookAsync(Action<string> log)
    {
        foreach (var candidate in new[] { "/usr/bin/webhook", "/usr/local/bin/webhook" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            log("adnanh/webhook is not installed and this is not root: run `apt-get install -y webhook` first.");
            return null;
        }
        log("Installing adnanh/webhook: apt-get install -y webhook");
        var install = new ProcessStartInfo("apt-get", "install -y -qq webhook") { UseShellExecute = false };
        install.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using (var apt = Process.Start(install)!)
        {
            await apt.WaitForExitAsync();
        }
        return File.Exists("/usr/bin/webhook") ? "/usr/bin/webhook" : null;
    }

    /// <summary>What <c>webhook -version</c> prints (e.g. <c>webhook version 2.8.0</c>), for the report.</summary>
    public static async Task<string> WebhookVersionAsync(string binary)
    {
        var start = new ProcessStartInfo(binary, "-version") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim() is { Length: > 0 } printed ? printed : "webhook (version unknown)";
    }

    /// <summary>
    /// Runs adnanh/webhook with one hook, <c>/hooks/bench</c>: a <c>payload-hmac-sha256</c> rule on
    /// <c>X-Hub-Signature-256</c> with the same secret Hookline's source has (401 on mismatch), and
    /// <c>/bin/true</c> as its command.
    /// </summary>
    public static async Task<Process> StartWebhookAsync(string binary, int port, string directory)
    {
        Directory.CreateDirectory(directory);
        var hooks = Path.Combine(directory, "hooks.json");
        var definition = new object[]
        {
            new Dictionary<string, object>
            {
                ["id"] = "bench",
                ["execute-command"] = "/bin/true",
                ["command-working-directory"] = directory,
                ["response-message"] = "ok",
                ["trigger-rule-mismatch-http-response-code"] = 401,
                ["trigger-rule"] = new Dictionary<string, object>
                {
                    ["match"] = new Dictionary<string, object>
                    {
                        ["type"] = "payload-hmac-sha256",
                        ["secret"] = LoadGenerator.GitHubSecret,
                        ["parameter"] = new Dictionary<string, string> { ["source"] = "header", ["name"] = "X-Hub-Signature-256" },
                    },
                },
            },
        };
        await File.WriteAllTextAsync(hooks, JsonSerializer.Serialize(definition, Indented));
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-hooks", hooks, "-ip", "127.0.0.1", "-port", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // GET on a POST-only hook still proves it listens (any HTTP answer will do).
        await WaitListeningAsync(new Uri($"http://127.0.0.1:{port}/hooks/bench"), process, expectOk: false);
        return process;
    }

    private static async Task WaitListeningAsync(Uri probe, Process process, bool expectOk)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{probe} exited with code {process.ExitCode} before listening.");
            }
            try
            {
                using var response = await client.GetAsync(probe);
                if (!expectOk || response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{probe} did not start listening.");
    }
}
