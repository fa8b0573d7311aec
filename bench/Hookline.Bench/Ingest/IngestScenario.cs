using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Hookline.Bench.Common;
using static Hookline.Bench.Common.BenchReport;
using Hookline.Testing;

namespace Hookline.Bench.Ingest;

/// <summary>
/// The receiving gateway under load, in one run against three targets, each in its own process:
/// Hookline's ingest URL (GitHub source: verify, dedupe, durable write, 200, then forward to a
/// receiver), a bare Kestrel endpoint that only reads the body and answers 200, and adnanh/webhook
/// with an equivalent HMAC rule. Open-loop phases at rising rates measure accepted requests/s and
/// acknowledgement latency; a closed-loop phase measures each target's throughput ceiling.
/// </summary>
internal static class IngestScenario
{
    private const string Bare = "bare Kestrel (200, nothing else)";
    private const string Webhook = "adnanh/webhook (HMAC rule, /bin/true)";
    private const string Hookline = "Hookline ingest URL (verify, durable, forward)";
    private const string HooklineLogOnly = "Hookline, source without endpoints (verify, durable, no forward)";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length >= 2 && args[0] == "--serve-bare")
        {
            return await ComparisonTargets.ServeBareAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        }
        var options = new BenchArgs(args);
        // Distinct: results are kept per (target, rate), so a repeated rate would overwrite its first run.
        var rates = options.String("rates", "500,1000,2000,4000").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).Distinct().ToArray();
        var duration = options.Int("duration", 10);
        var concurrency = options.Int("concurrency", 64);
        var saturationRequests = options.Int("saturation-requests", 20_000);
        var bodyBytes = options.Int("body-bytes", 1024);
        var maxInFlight = options.Int("max-in-flight", 4096);
        // For investigation: which comparison targets run beside Hookline (bare, webhook,
        // hookline-log-only). Hookline's ingest URL always runs: every target figure compares with it.
        var only = options.String("targets", "bare,webhook,hookline-log-only").Split(',').ToHashSet(StringComparer.OrdinalIgnoreCase);
        var endpoints = options.Int("endpoints", 1);
        // Seconds of load at the first rate before anything is measured, for every .NET target (bare
        // Kestrel, Hookline): tiered compilation goes on recompiling hot methods for several seconds
        // after a short burst, and measured beside the first phase it took up to 0.9 s of CPU a second.
        var warmupSeconds = options.Int("warmup", 15);
        var report = new BenchReport("ingest", "Ingest benchmark");
        void Line(string text) => report.Line(text);
        var processes = new List<Process>();
        var workDirectory = Path.Combine(Path.GetTempPath(), "hookline-bench-ingest", Guid.NewGuid().ToString("N"));
        try
        {
            Line($"Requests: GitHub-style pushes, {bodyBytes} B JSON bodies, each with its own `X-GitHub-Delivery` and a pre-computed `X-Hub-Signature-256`.");
            Line($"Open loop: {string.Join(", ", rates)} req/s for {duration} s each (targets interleaved per rate); closed loop: {saturationRequests} requests, {concurrency} concurrent.");
            Line(warmupSeconds > 0
                ? $"Warm-up: 2000 requests closed loop to every target, then {rates[0]} req/s for {warmupSeconds} s to bare Kestrel and Hookline (not measured; --warmup 0 skips the second part)."
                : "Warm-up: 2000 requests closed loop to every target (--warmup 0: the phases that follow run while the .NET targets still compile).");
            Line(endpoints == 0
                ? "Hookline: SQLite store (default), one GitHub source without endpoints; every request is verified, deduplicated, committed durably and answered (no forwarding)."
                : $"Hookline: SQLite store (default), one GitHub source with {endpoints} endpoint(s) at a receiver process; every request is verified, deduplicated, committed durably, answered, then forwarded to each.");
            Line("");

            var forwardPort = ServerProcess.FreePort();
            var forwardReceiver = await BenchReceiver.StartProcessAsync(forwardPort);
            processes.Add(forwardReceiver);

            var targets = new List<(string Name, Uri Url, int Pid)>();
            if (only.Contains("bare"))
            {
                var barePort = ServerProcess.FreePort();
                processes.Add(await ComparisonTargets.StartBareAsync(barePort));
                targets.Add((Bare, new Uri($"http://127.0.0.1:{barePort}/hook"), processes[^1].Id));
            }
            if (only.Contains("webhook") && await ComparisonTargets.FindOrInstallWebhookAsync(Line) is { } webhookBinary)
            {
                Line($"adnanh/webhook: `{await ComparisonTargets.WebhookVersionAsync(webhookBinary)}` ({webhookBinary}).");
                var webhookPort = ServerProcess.FreePort();
                var webhook = await ComparisonTargets.StartWebhookAsync(webhookBinary, webhookPort, Path.Combine(workDirectory, "webhook"));
                processes.Add(webhook);
                targets.Add((Webhook, new Uri($"http://127.0.0.1:{webhookPort}/hooks/bench"), webhook.Id));
            }

            await using var server = await ServerProcess.StartAsync(BenchServer.Settings(Path.Combine(workDirectory, "hookline")), environment: options.ServerEnvironment());
            Line(options.GarbageCollectorLine());
            targets.Add((Hookline, new Uri(await CreateSourceAsync(server, forwardPort, endpoints)), server.ProcessId));
            if (only.Contains("hookline-log-only"))
            {
                // The same server, a source without endpoints: verify, dedupe, durable log and message, answer — no forwarding.
                targets.Add((HooklineLogOnly, new Uri(await CreateSourceAsync(server, forwardPort, 0)), server.ProcessId));
            }

            using var generator = new LoadGenerator();
            var forwardExpected = 0;
            var webhookPid = targets.FirstOrDefault(t => t.Name == Webhook).Pid;
            async Task<PhaseResult> RunPhaseAsync(string name, Func<Task<PhaseResult>> phase)
            {
                var result = await phase();
                if (name == Webhook && webhookPid > 0)
                {
                    // adnanh/webhook answers before it runs the hook's command (it runs it in the
                    // background unless told to return its output), so a phase's forks go on after
                    // its last answer. Wait for them: otherwise they eat into the next target's phase.
                    var drained = await WaitForNoChildrenAsync(webhookPid, TimeSpan.FromMinutes(2));
                    if (drained > TimeSpan.FromMilliseconds(100))
                    {
                        Line($"  ({Webhook}: its commands ran on for {drained.TotalSeconds:F1} s after the phase's last answer)");
                    }
                }
                if (name == Hookline && endpoints > 0)
                {
                    // Let forwarding catch up before the next phase, so no target is measured while
                    // Hookline still works off an earlier phase's backlog.
                    forwardExpected += result.Accepted * endpoints;
                    await WaitForwardedAsync(forwardPort, forwardExpected, TimeSpan.FromMinutes(5));
                }
                await Task.Delay(1000);
                return result;
            }

            // Warm-up: JIT, connection pools, SQLite pages; also proves each target accepts the signature.
            foreach (var (name, url, _) in targets)
            {
                var warm = await RunPhaseAsync(name, () => generator.ClosedLoopAsync(url, LoadGenerator.Presign(2000, bodyBytes), concurrency));
                if (warm.Accepted < warm.Offered)
                {
                    throw new InvalidOperationException($"{name} accepted {warm.Accepted} of {warm.Offered} warm-up requests ({warm.Refused} refused, {warm.Errors} errors).");
                }
                if (warmupSeconds > 0 && name != Webhook)
                {
                    Console.WriteLine($"  warm-up {rates[0]} req/s for {warmupSeconds} s → {name} …");
                    await RunPhaseAsync(name, () => generator.OpenLoopAsync(url, LoadGenerator.Presign(rates[0] * warmupSeconds, bodyBytes), rates[0], maxInFlight));
                }
            }

            var open = new Dictionary<(string, int), PhaseResult>();
            foreach (var rate in rates)
            {
                foreach (var (name, url, _) in targets)
                {
                    var requests = LoadGenerator.Presign(rate * duration, bodyBytes);
                    Console.WriteLine($"  open loop {rate} req/s → {name} …");
                    open[(name, rate)] = await RunPhaseAsync(name, () => generator.OpenLoopAsync(url, requests, rate, maxInFlight));
                }
            }
            var closed = new Dictionary<string, PhaseResult>();
            foreach (var (name, url, _) in targets)
            {
                Console.WriteLine($"  closed loop → {name} …");
                var requests = LoadGenerator.Presign(saturationRequests, bodyBytes);
                closed[name] = await RunPhaseAsync(name, () => generator.ClosedLoopAsync(url, requests, concurrency));
            }
            // Every request Hookline acknowledged must have reached the forward receiver.
            var forwarded = endpoints == 0 ? 0 : await WaitForwardedAsync(forwardPort, forwardExpected, TimeSpan.FromMinutes(5));

            Line("### Open loop: accepted requests/s and acknowledgement latency");
            Line("");
            Line("| rate (req/s) | target | accepted/s | refused | errors | not sent | ack p50 | ack p99 | ack max | generator lag p99 |");
            Line("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var rate in rates)
            {
                foreach (var (name, _, _) in targets)
                {
                    var r = open[(name, rate)];
                    Line($"| {rate} | {name} | {r.AcceptedPerSecond:F0} | {r.Refused} | {r.Errors} | {r.Offered - r.Sent} | {r.P50:F2} ms | {r.P99:F2} ms | {r.Max:F1} ms | {r.GeneratorLagP99Ms:F1} ms |");
                }
            }
            Line("");
            Line($"### Closed loop ({concurrency} concurrent): throughput ceiling");
            Line("");
            Line("| target | accepted/s | p50 | p99 | refused | errors |");
            Line("|---|---:|---:|---:|---:|---:|");
            foreach (var (name, _, _) in targets)
            {
                var r = closed[name];
                Line($"| {name} | {r.AcceptedPerSecond:F0} | {r.P50:F2} ms | {r.P99:F2} ms | {r.Refused} | {r.Errors} |");
            }
            Line("");

            double Ceiling(string name) => closed.TryGetValue(name, out var r) ? r.AcceptedPerSecond : double.NaN;
            var hookline = Ceiling(Hookline);
            Line("### Targets");
            Line("");
            Line("| figure | value | target | met |");
            Line("|---|---:|---:|:-:|");
            if (closed.ContainsKey(Bare))
            {
                Line($"| Hookline / bare Kestrel (closed loop) | {hookline / Ceiling(Bare):F2} ({hookline:F0} vs {Ceiling(Bare):F0} req/s) | ≥ 0.50 | {Mark(hookline >= 0.5 * Ceiling(Bare))} |");
            }
            if (closed.ContainsKey(Webhook))
            {
                Line($"| Hookline / adnanh/webhook (closed loop) | {hookline / Ceiling(Webhook):F2} ({hookline:F0} vs {Ceiling(Webhook):F0} req/s) | ≥ 1.00 | {Mark(hookline >= Ceiling(Webhook))} |");
            }
            if (open.TryGetValue((Hookline, 2000), out var at2000))
            {
                Line($"| Hookline ack p99 at 2000 req/s | {at2000.P99:F2} ms ({at2000.AcceptedPerSecond:F0} accepted/s) | ≤ 10 ms | {Mark(at2000.P99 <= 10 && at2000.Accepted == at2000.Offered)} |");
            }
            if (endpoints > 0)
            {
                Line($"| Hookline requests acknowledged → forwarded | {forwarded} of {forwardExpected} | all | {Mark(forwarded >= forwardExpected)} |");
            }
            Line($"| Hookline server peak memory (VmHWM) | {ProcessMemory.PeakResidentMiB(server.ProcessId):F0} MiB | | |");
            foreach (var (name, _, pid) in targets.DistinctBy(t => t.Pid))
            {
                Line($"| CPU time of the {name} process, whole run | {ProcessMemory.CpuSeconds(pid):F1} s | | |");
            }
            Line("");
            await server.StopAsync();
        }
        finally
        {
            foreach (var process in processes)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
                process.Dispose();
            }
            TemporaryDirectory.Delete(workDirectory);
        }
        await report.SaveAsync();
        return 0;
    }

    /// <summary>A GitHub source with <paramref name="endpoints"/> endpoints at the forward receiver; returns its ingest URL.</summary>
    private static async Task<string> CreateSourceAsync(ServerProcess server, int forwardPort, int endpoints)
    {
        using var api = server.CreateClient(BenchServer.AdminToken);
        using var created = await api.PostAsJsonAsync("/ingest/api/v1/source", new { name = "bench", type = "github", config = new { secret = LoadGenerator.GitHubSecret } });
        created.EnsureSuccessStatusCode();
        var source = await created.Content.ReadFromJsonAsync<JsonElement>();
        for (var e = 0; e < endpoints; e++)
        {
            using var endpoint = await api.PostAsJsonAsync($"/ingest/api/v1/source/{source.GetProperty("id").GetString()}/endpoint", new { url = $"http://127.0.0.1:{forwardPort}/forward{e}" });
            endpoint.EnsureSuccessStatusCode();
        }
        return source.GetProperty("ingestUrl").GetString()!;
    }

    private static async Task<int> WaitForwardedAsync(int port, int expected, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        return (await BenchReceiver.WaitForArrivalsAsync(http, port, expected, timeout)).Count;
    }

    /// <summary>Waits until the process has no child processes (read from /proc); returns how long that took.</summary>
    private static async Task<TimeSpan> WaitForNoChildrenAsync(int pid, TimeSpan limit)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            var tasks = $"/proc/{pid}/task";
            if (!Directory.Exists(tasks))
            {
                break;
            }
            var busy = false;
            foreach (var task in Directory.EnumerateDirectories(tasks))
            {
                try
                {
                    busy |= (await File.ReadAllTextAsync(Path.Combine(task, "children"))).Trim().Length > 0;
                }
                catch (IOException)
                {
                    // The thread ended while we looked.
                }
            }
            if (!busy)
            {
                break;
            }
            await Task.Delay(50);
        }
        return watch.Elapsed;
    }
}
