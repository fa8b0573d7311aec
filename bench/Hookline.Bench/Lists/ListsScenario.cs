using System.Globalization;
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
        var connection = options.PostgresConnection();
        var stores = options.String("stores", "sqlite,postgres").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (stores.Contains("postgres") && connection is null)
        {
            Console.Error.WriteLine(BenchArgs.PostgresConnectionMissing + " Or pass --stores sqlite.");
            return 2;
        }

        var report = new BenchReport("lists", "List queries with millions of attempts", echo: false);
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

        Write(report, results, settings);
        await report.SaveAsync();
        return 0;
    }

    private static void Write(BenchReport report, List<StoreFigures> results, ListsSettings settings)
    {
        void Line(string text) => report.Line(text);
        Line($"One app, {settings.Endpoints} endpoints, history over {settings.Days} days (each message to 2 endpoints; 85 % of deliveries succeed at once, 10 % after 1–3 failures, 5 % fail 8 tries; half the messages in channel eu or us, 1 % also in vip; none still pending). " +
            $"Each query: {settings.Warmup} warm-up requests, then {settings.Requests} sequential requests through the HTTP API, rotating over the endpoints and 500 sampled messages; limit=50.");
        Line("");
        Line("| store | level | messages | deliveries | attempts | tables + indexes | seeded in | load average before → after |");
        Line("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var s in results)
        {
            foreach (var (label, level) in new[] { ("small", s.Small), ("large", s.Large) })
            {
                var c = level.Counts;
                Line($"| {s.Store} | {label} | {c.Messages:N0} | {c.Deliveries:N0} | {c.Attempts:N0} | {c.Bytes / 1048576.0:F0} MiB | {level.SeedSeconds:F0} s{(level.SettleSeconds >= 0.5 ? $" + {level.SettleSeconds:F0} s rollup{(s.Store == "PostgreSQL" ? " + VACUUM ANALYZE" : "")}" : "")} | {level.LoadBefore} → {level.LoadAfter} |");
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
        Line("");
    }
}
