using System.Globalization;
using System.Text;
using Hookline.Bench.Common;
using Hookline.Testing;

namespace Hookline.Bench.Lists;

/// <summary>
/// The API's list queries on a store holding millions of attempts. Per store (SQLite; PostgreSQL
/// with <c>--connection</c>, <c>HOOKLINE_BENCH_POSTGRES</c> or <c>HOOKLINE_TEST_POSTGRES</c>, in a
/// schema of its own): the server in its own process, an app made through the API, a generated
/// history written straight into the tables, each query timed through the API at a small level (the
/// baseline) and again after topping up to the large level. A query whose cost follows the page and
/// not the table keeps a large/small ratio near 1.
/// </summary>
internal static class ListsScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var large = long.Parse(options.String("attempts", "2000000"), CultureInfo.InvariantCulture);
        var settings = new ListsSettings
        {
            SmallAttempts = long.Parse(options.String("small", "10000"), CultureInfo.InvariantCulture),
            LargeAttempts = large,
            SqliteLargeAttempts = long.Parse(options.String("sqlite-attempts", large.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
            Endpoints = options.Int("endpoints", 10),
            Requests = options.Int("requests", 200),
            Warmup = options.Int("warmup", 20),
            Days = options.Int("days", 30),
            Keep = options.String("keep", "false") == "true",
        };
        var connection = options.String("connection", Environment.GetEnvironmentVariable("HOOKLINE_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("HOOKLINE_TEST_POSTGRES") ?? "");
        var stores = options.String("stores", "sqlite,postgres").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (stores.Contains("postgres") && connection.Length == 0)
        {
            Console.Error.WriteLine("PostgreSQL needs --connection \"Host=…;Username=…;Password=…;Database=…\" (or HOOKLINE_BENCH_POSTGRES); or pass --stores sqlite.");
            return 2;
        }

        var loadAtStart = Machine.LoadAverage();
        var started = DateTimeOffset.UtcNow;
        var receiverPort = ServerProcess.FreePort();
        using var receiver = await BenchReceiver.StartProcessAsync(receiverPort);
        var results = new List<StoreFigures>();
        try
        {
            foreach (var store in stores)
            {
                results.Add(await ListsRun.RunAsync(store, connection, settings, receiverPort));
            }
        }
        finally
        {
            receiver.Kill(entireProcessTree: true);
        }

        var report = Report(results, settings, started, loadAtStart, Machine.LoadAverage());
        Console.WriteLine();
        Console.WriteLine(report);
        var path = Path.Combine(ServerProcess.RepositoryRoot, "bench", "results", $"lists-{started:yyyyMMdd-HHmmss}.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, report);
        Console.WriteLine($"Report written to {path}");
        return 0;
    }

    private static string Report(List<StoreFigures> results, ListsSettings settings, DateTimeOffset started, string loadAtStart, string loadAtEnd)
    {
        var report = new StringBuilder();
        void Line(string text) => report.AppendLine(text);
        Line($"# List queries with millions of attempts — {started:yyyy-MM-dd HH:mm} UTC");
        Line("");
        Line($"Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, .NET {Environment.Version}. Load average at start {loadAtStart}, at end {loadAtEnd}.");
        Line($"One app, {settings.Endpoints} endpoints, history over {settings.Days} days (each message to 2 endpoints; 85 % of deliveries succeed at once, 10 % after 1–3 failures, 5 % fail 8 tries). " +
            $"Each query: {settings.Warmup} warm-up requests, then {settings.Requests} sequential requests through the HTTP API, rotating over the endpoints and 500 sampled messages; limit=50.");
        Line("");
        Line("| store | level | messages | deliveries | attempts | tables + indexes | seeded in | load average before → after |");
        Line("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var s in results)
        {
            foreach (var (label, level) in new[] { ("small", s.Small), ("large", s.Large) })
            {
                var c = level.Counts;
                Line($"| {s.Store} | {label} | {c.Messages:N0} | {c.Deliveries:N0} | {c.Attempts:N0} | {c.Bytes / 1048576.0:F0} MiB | {level.SeedSeconds:F0} s{(level.SettleSeconds >= 0.5 ? $" + {level.SettleSeconds:F0} s VACUUM ANALYZE" : "")} | {level.LoadBefore} → {level.LoadAfter} |");
            }
        }
        Line("");
        Line("Latency in ms (client-side, whole HTTP request); ratio = large p50 / small p50.");
        Line("");
        Line("| query | store | rows | small p50 | small p99 | large p50 | large p99 | ratio |");
        Line("|---|---|---:|---:|---:|---:|---:|---:|");
        var names = results.SelectMany(r => r.Small.Queries.Select(q => q.Query)).Distinct().ToList();
        foreach (var name in names)
        {
            foreach (var s in results)
            {
                var small = s.Small.Queries.First(q => q.Query == name);
                var large = s.Large.Queries.First(q => q.Query == name);
                var rows = large.Rows < 0 ? "–" : small.Rows == large.Rows ? $"{large.Rows}" : $"{small.Rows}/{large.Rows}";
                Line($"| {name} | {s.Store} | {rows} | {small.P50:F1} | {small.P99:F1} | {large.P50:F1} | {large.P99:F1} | {large.P50 / small.P50:F2} |");
            }
        }
        return report.ToString();
    }
}
