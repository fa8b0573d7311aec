using Hookline.Bench.Common;
using static Hookline.Bench.Common.BenchReport;
using Hookline.Testing;

namespace Hookline.Bench.Delivery;

/// <summary>
/// The outbound path end to end: the server in its own process, a receiver in another, messages
/// through the real API. Measures, in one run: a raw baseline (plain HttpClient → the same receiver
/// at the concurrency Hookline is allowed), API acceptance rate, delivery rate, end-to-end latency
/// at a sustained rate, and the server's peak memory. <c>--store postgres --nodes N</c> runs N nodes
/// on one PostgreSQL (<c>--connection</c>, or <c>HOOKLINE_BENCH_POSTGRES</c>/<c>HOOKLINE_TEST_POSTGRES</c>)
/// with the API load spread over them, and adds PostgreSQL's CPU time.
/// </summary>
internal static class DeliveryScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var settings = Settings(options, options.String("store", "sqlite"), options.Int("nodes", 1));
        if (Invalid(settings) is { } why)
        {
            Console.Error.WriteLine(why);
            return 2;
        }
        var receiverPort = ServerProcess.FreePort();
        using var receiver = await BenchReceiver.StartProcessAsync(receiverPort);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { Timeout = TimeSpan.FromSeconds(60) };
        var report = new BenchReport("delivery", "Delivery benchmark");
        void Line(string text) => report.Line(text);
        try
        {
            Line($"Store: {(settings.Store == "postgres" ? $"PostgreSQL, {settings.Nodes} node(s), API calls spread over them in turn" : settings.Nodes == 1 ? "SQLite (default)" : settings.Label)}. {settings.Messages} messages × {settings.Endpoints} endpoints, {settings.Concurrency} concurrent API clients, endpoint concurrency {settings.EndpointConcurrency}; {(settings.WarmupSeconds > 0 ? $"measured after a {settings.WarmupSeconds} s warm-up burst (--warmup 0 measures a cold server)" : "a cold server (--warmup 0)")}.");
            Line(options.GarbageCollectorLine());
            Line("");

            var baselineConcurrency = settings.EndpointConcurrency * settings.Endpoints;
            var baseline = await DeliveryRun.RawBaselineAsync(http, receiverPort, settings.Messages * settings.Endpoints, baselineConcurrency);
            var f = await DeliveryRun.RunAsync(settings, http, receiverPort);

            Line("| figure | value | target | met |");
            Line("|---|---:|---:|:-:|");
            Line($"| raw baseline: HttpClient → receiver, {baselineConcurrency} concurrent | {baseline:F0} req/s | | |");
            Line($"| API accepted (burst, durable 202) | {f.AcceptedPerSecond:F0} msg/s | ≥ 8000 msg/s | {Mark(f.AcceptedPerSecond >= 8000)} |");
            Line($"| delivered (burst, first send → last arrival) | {f.DeliveredPerSecond:F0} deliveries/s | ≥ 0.4 × baseline = {0.4 * baseline:F0} | {Mark(f.DeliveredPerSecond >= 0.4 * baseline)} |");
            Line($"| delivered / baseline | {f.DeliveredPerSecond / baseline:F2} | ≥ 0.40 | {Mark(f.DeliveredPerSecond >= 0.4 * baseline)} |");
            Line($"| sustained rate achieved | {f.AchievedRate:F0} msg/s ({f.SustainedAccepted} in {f.SustainedSeconds:F1} s) | {settings.Rate} msg/s | {Mark(f.AchievedRate >= 0.98 * settings.Rate)} |");
            Line($"| end-to-end latency p50 | {f.P50:F1} ms | | |");
            Line($"| end-to-end latency p99 | {f.P99:F1} ms | ≤ 50 ms | {Mark(f.P99 <= 50)} |");
            Line($"| end-to-end latency max | {f.Max:F1} ms | | |");
            Line($"| deliveries measured (sustained) | {f.Latencies.Count} of {f.SustainedExpected} | all | {Mark(f.Latencies.Count == f.SustainedExpected)} |");
            Line($"| server peak memory (VmHWM{(settings.Nodes > 1 ? ", largest node" : "")}) | {f.PeakMemoryMiB:F0} MiB | ≤ 300 MiB | {Mark(f.PeakMemoryMiB <= 300)} |");
            Line($"| server CPU time, whole run{(settings.Nodes > 1 ? ", all nodes" : "")} | {f.ServerCpuSeconds:F1} s | | |");
            if (settings.Store == "postgres")
            {
                Line($"| PostgreSQL CPU time (burst + sustained) | {f.DatabaseCpuSeconds:F1} s ({f.DatabaseCpuSeconds / f.MeasuredSeconds:F2} cores) | | |");
                Line($"| PostgreSQL share of Hookline + PostgreSQL CPU | {100 * f.DatabaseCpuShare:F0} % | | |");
            }
            Line($"| burst deliveries arrived | {f.BurstDelivered} of {f.BurstExpected} | all | {Mark(f.BurstDelivered == f.BurstExpected)} |");
            Line("");
        }
        finally
        {
            receiver.Kill(entireProcessTree: true);
        }
        await report.SaveAsync();
        return 0;
    }

    private static string? Invalid(DeliverySettings settings) => settings switch
    {
        { Store: not ("sqlite" or "postgres") } => $"--store {settings.Store}: use sqlite (the default) or postgres.",
        { Nodes: < 1 } => "--nodes must be 1 or more.",
        { Store: "sqlite", Nodes: > 1 } => "--nodes above 1 needs --store postgres: SQLite nodes cannot share one database.",
        { Store: "postgres", PostgresConnection: null } => BenchArgs.PostgresConnectionMissing,
        _ => null,
    };

    /// <summary>The run's settings from the command line (<c>--messages --endpoints --concurrency --rate --duration --endpoint-concurrency --warmup --connection --gc --diagnose</c>).</summary>
    public static DeliverySettings Settings(BenchArgs options, string store, int nodes, DeliverySettings? defaults = null)
    {
        defaults ??= new DeliverySettings { Store = store };
        return new DeliverySettings
        {
            Store = store,
            Nodes = nodes,
            PostgresConnection = options.PostgresConnection(),
            Messages = options.Int("messages", defaults.Messages),
            Endpoints = options.Int("endpoints", defaults.Endpoints),
            Concurrency = options.Int("concurrency", defaults.Concurrency),
            Rate = options.Int("rate", defaults.Rate),
            Duration = options.Int("duration", defaults.Duration),
            EndpointConcurrency = options.Int("endpoint-concurrency", defaults.EndpointConcurrency),
            WarmupSeconds = options.Int("warmup", defaults.WarmupSeconds),
            ServerEnvironment = options.ServerEnvironment(defaults.ServerEnvironment),
            DiagnosticsDirectory = options.String("diagnose", "") is { Length: > 0 } diagnose ? diagnose : null,
        };
    }
}
