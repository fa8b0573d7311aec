using System.Globalization;
using Hookline.Bench.Common;
using Hookline.Bench.Delivery;
using Hookline.Testing;

namespace Hookline.Bench.MultiNode;

/// <summary>
/// The delivery scenario on SQLite and on PostgreSQL with 1, 2 and 3 nodes, one after the other in
/// one run against the same receiver process, with a comparison table: delivered/s, end-to-end
/// latency, CPU of the nodes and of PostgreSQL. Every configuration runs <c>--rounds</c> times,
/// interleaved (SQLite, PG×1, PG×2, PG×3, SQLite, …), so that a change in the machine's load hits
/// every configuration rather than one.
/// </summary>
internal static class MultiNodeScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        // A longer warm-up than the delivery scenario's: with two servers on two cores, their tiered
        // JIT threads still took 13–25 % of the machine throughout the measured phases after a 15 s
        // warm-up (perf, 2026-12-06), which weighs on more nodes more. After 45 s the two nodes' CPU
        // in the measured phases was about half (23.9 → 12.7 s).
        var defaults = new DeliverySettings { Store = "postgres", Messages = 5000, Endpoints = 4, Rate = 200, Duration = 15, WarmupSeconds = 45 };
        // Every node here shares two cores with the others, PostgreSQL, the receiver and this process:
        // they run with the settings docs/operations.md recommends for that ("Runtime settings"), in
        // every configuration (SQLite and one node too), so the ratios compare like with like.
        IReadOnlyDictionary<string, string> sharedCores = new Dictionary<string, string>
        {
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
        };
        var nodeCounts = options.String("nodes", "1,2,3").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var rounds = options.Int("rounds", 1);
        var configurations = new List<DeliverySettings>();
        if (options.String("sqlite", "true") == "true")
        {
            configurations.Add(DeliveryScenario.Settings(options, "sqlite", 1, defaults with { ServerEnvironment = sharedCores }));
        }
        configurations.AddRange(nodeCounts.Select(n => DeliveryScenario.Settings(options, "postgres", n, defaults with { ServerEnvironment = sharedCores })));
        if (configurations.Any(c => c.Store == "postgres" && c.PostgresConnection is null))
        {
            Console.Error.WriteLine(BenchArgs.PostgresConnectionMissing);
            return 2;
        }

        var first = configurations[0];
        var receiverPort = ServerProcess.FreePort();
        using var receiver = await BenchReceiver.StartProcessAsync(receiverPort);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { Timeout = TimeSpan.FromSeconds(60) };
        var results = new List<(DeliveryFigures Figures, string LoadBefore, string LoadAfter)>();
        var report = new BenchReport("multinode", "Multi-node delivery benchmark");
        void Line(string text) => report.Line(text);
        try
        {
            Line($"Each run: burst of {first.Messages} messages × {first.Endpoints} endpoints ({first.Concurrency} concurrent API clients, calls spread over the nodes in turn), " +
                $"then {first.Rate} msg/s for {first.Duration} s; endpoint concurrency {first.EndpointConcurrency} (a limit all nodes share); {(first.WarmupSeconds > 0 ? $"each measured after a {first.WarmupSeconds} s warm-up burst" : "cold servers (--warmup 0)")}. {rounds} round(s).");
            Line($"Servers run with {string.Join(" ", sharedCores.Select(x => $"{x.Key}={x.Value}"))} (nodes sharing cores; docs/operations.md, \"Runtime settings\"). {options.GarbageCollectorLine()}");
            Line("");
            var baseline = await DeliveryRun.RawBaselineAsync(http, receiverPort, first.Messages * first.Endpoints, first.EndpointConcurrency * first.Endpoints);
            Line($"Raw baseline (HttpClient → the same receiver, {first.EndpointConcurrency * first.Endpoints} concurrent): {baseline:F0} req/s.");
            Line("");
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var configuration in configurations)
                {
                    var loadBefore = Machine.LoadAverage();
                    Console.WriteLine($"-- round {round}: {configuration.Label} (load {loadBefore})");
                    var figures = await DeliveryRun.RunAsync(configuration, http, receiverPort);
                    results.Add((figures, loadBefore, Machine.LoadAverage()));
                    Console.WriteLine($"   delivered {figures.DeliveredPerSecond:F0}/s, p50 {figures.P50:F1} ms, p99 {figures.P99:F1} ms");
                }
            }

            Line("| run | store | API accepted (burst) | delivered/s (burst) | sustained msg/s | p50 | p99 | max | all arrived | nodes' CPU | PostgreSQL CPU | PostgreSQL share | PG statements / delivery | PG CPU per 1k deliveries | peak RSS/node | load avg before → after |");
            Line("|---|---|---:|---:|---:|---:|---:|---:|:-:|---:|---:|---:|---:|---:|---:|---|");
            var run = 0;
            foreach (var (f, before, after) in results)
            {
                var all = f.BurstDelivered == f.BurstExpected && f.Latencies.Count == f.SustainedExpected;
                var database = f.Settings.Store == "postgres"
                    ? $"{f.DatabaseCpuSeconds:F1} s ({f.DatabaseCpuSeconds / f.MeasuredSeconds:F2} cores) | {100 * f.DatabaseCpuShare:F0} %"
                    : "– | –";
                var perDelivery = f.Settings.Store != "postgres" ? "– | –"
                    : $"{(f.DatabaseStatements is { } statements ? (statements / (double)f.DeliveriesMeasured).ToString("F1", CultureInfo.InvariantCulture) : "n/a")} | " +
                      $"{1000 * 1000 * f.DatabaseCpuSeconds / f.DeliveriesMeasured:F0} ms";
                Line($"| {++run} | {f.Settings.Label} | {f.AcceptedPerSecond:F0} msg/s | {f.DeliveredPerSecond:F0} | {f.AchievedRate:F0} | {f.P50:F1} ms | {f.P99:F1} ms | {f.Max:F0} ms | " +
                    $"{(all ? "yes" : $"**no**: {f.BurstDelivered}/{f.BurstExpected}, {f.Latencies.Count}/{f.SustainedExpected}")} | {f.ServerCpuSecondsMeasured:F1} s ({f.ServerCpuSecondsMeasured / f.MeasuredSeconds:F2} cores) | {database} | {perDelivery} | {f.PeakMemoryMiB:F0} MiB | {before} → {after} |");
            }
            Line("");
            if (rounds > 1)
            {
                Line("Medians over the rounds:");
                Line("");
                Line("| store | delivered/s (burst) | p50 | p99 | PostgreSQL share |");
                Line("|---|---:|---:|---:|---:|");
                foreach (var group in results.GroupBy(r => r.Figures.Settings.Label))
                {
                    var fs = group.Select(g => g.Figures).ToList();
                    Line($"| {group.Key} | {Median(fs.Select(f => f.DeliveredPerSecond)):F0} | {Median(fs.Select(f => f.P50)):F1} ms | {Median(fs.Select(f => f.P99)):F1} ms | " +
                        $"{(fs[0].Settings.Store == "postgres" ? $"{100 * Median(fs.Select(f => f.DatabaseCpuShare)):F0} %" : "–")} |");
                }
                Line("");
            }
            Line("CPU columns cover the burst and sustained phases (node start-up excluded). PostgreSQL share = PostgreSQL CPU / (PostgreSQL + nodes' CPU).");
            Line("PG statements / delivery: every statement the server ran in those phases (pg_stat_statements, the API's writes included), per delivery that arrived; n/a when the extension is not loaded.");
        }
        finally
        {
            receiver.Kill(entireProcessTree: true);
        }
        await report.SaveAsync();
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
