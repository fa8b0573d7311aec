using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hookline.Bench.Common;
using Hookline.Bench.MultiNode;
using Hookline.Testing;

namespace Hookline.Bench.Delivery;

/// <summary>What one delivery run measures and against what.</summary>
internal sealed record DeliverySettings
{
    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public required string Store { get; init; }

    public int Nodes { get; init; } = 1;

    /// <summary>The PostgreSQL server (each run gets a fresh schema on it); required for <c>postgres</c>.</summary>
    public string? PostgresConnection { get; init; }

    public int Messages { get; init; } = 20_000;
    public int Endpoints { get; init; } = 2;
    public int Concurrency { get; init; } = 64;
    public int Rate { get; init; } = 1000;
    public int Duration { get; init; } = 20;
    public int EndpointConcurrency { get; init; } = 10;

    /// <summary>
    /// Seconds of burst sent (and delivered) before anything is measured, so the figures are those of
    /// a warm server: without it the JIT compiles and recompiles (tiering) for the first 10-15 s of
    /// load, which took over half a core in the measured window. 0 measures a cold server.
    /// </summary>
    public int WarmupSeconds { get; init; } = 15;

    /// <summary>
    /// Environment variables for every server process: the multinode scenario sets the runtime
    /// settings docs/operations.md recommends for nodes that share a machine's cores.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ServerEnvironment { get; init; }

    /// <summary><c>--diagnose DIR</c>: where <see cref="DeliveryDiagnostics"/> writes its files, or null.</summary>
    public string? DiagnosticsDirectory { get; init; }

    public string Label => Store == "postgres" ? $"PostgreSQL, {Nodes} node{(Nodes == 1 ? "" : "s")}" : Nodes == 1 ? "SQLite" : $"SQLite, {Nodes} nodes";
}

/// <summary>The figures of one run.</summary>
internal sealed record DeliveryFigures
{
    public required DeliverySettings Settings { get; init; }
    public required double AcceptedPerSecond { get; init; }
    public required double DeliveredPerSecond { get; init; }
    public required int BurstAccepted { get; init; }
    public required int BurstDelivered { get; init; }
    public required int SustainedAccepted { get; init; }
    public required double SustainedSeconds { get; init; }
    public required double AchievedRate { get; init; }
    public required IReadOnlyList<double> Latencies { get; init; }
    public required double PeakMemoryMiB { get; init; }

    /// <summary>CPU time of the node processes over their whole life (start-up included).</summary>
    public required double ServerCpuSeconds { get; init; }

    /// <summary>CPU time of the node processes during the burst and sustained phases only.</summary>
    public required double ServerCpuSecondsMeasured { get; init; }

    /// <summary>CPU time of the PostgreSQL cluster during the burst and sustained phases (NaN for SQLite).</summary>
    public required double DatabaseCpuSeconds { get; init; }

    /// <summary>Statements PostgreSQL executed during the burst and sustained phases (pg_stat_statements), or null.</summary>
    public long? DatabaseStatements { get; init; }

    /// <summary>Deliveries that arrived in the burst and sustained phases.</summary>
    public int DeliveriesMeasured => BurstDelivered + Latencies.Count;

    /// <summary>Wall time of the burst and sustained phases.</summary>
    public required double MeasuredSeconds { get; init; }

    public double P50 => Percentiles.Of(Latencies, 50);
    public double P99 => Percentiles.Of(Latencies, 99);
    public double Max => Latencies.Count > 0 ? Latencies[^1] : double.NaN;
    public int SustainedExpected => SustainedAccepted * Settings.Endpoints;
    public int BurstExpected => BurstAccepted * Settings.Endpoints;

    /// <summary>PostgreSQL's share of the CPU time Hookline and its database used together.</summary>
    public double DatabaseCpuShare => DatabaseCpuSeconds / (DatabaseCpuSeconds + ServerCpuSecondsMeasured);
}

/// <summary>
/// The outbound path end to end: the server in its own process (or several, on one PostgreSQL), a
/// receiver in another, messages through the real API — spread over the nodes in turn, as a load
/// balancer would. Two phases: a burst (as fast as the API takes them, until everything arrived) and
/// a sustained rate (latency from the 202 to arrival).
/// </summary>
internal static class DeliveryRun
{
    private static readonly string Body = "{\"eventType\":\"bench.event\",\"payload\":{\"n\":123456,\"data\":{\"text\":\"" + new string('x', 200) + "\"}}}";

    public static async Task<DeliveryFigures> RunAsync(DeliverySettings settings, HttpClient http, int receiverPort)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hookline-bench", Guid.NewGuid().ToString("N"));
        await using var database = settings.Store == "postgres"
            ? await PostgresBenchDatabase.CreateAsync(settings.PostgresConnection ?? throw new ArgumentException(BenchArgs.PostgresConnectionMissing))
            : null;
        var nodes = new List<ServerProcess>();
        var apis = new List<HttpClient>();
        try
        {
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, settings.Nodes).Select(n => ServerProcess.StartAsync(NodeSettings(settings, database, dataDirectory, n), environment: settings.ServerEnvironment))));
            apis.AddRange(nodes.Select(node => BenchServer.AdminClient(node, TimeSpan.FromSeconds(60))));
            await http.DeleteAsync(new Uri($"http://127.0.0.1:{receiverPort}/_stats"));
            var (appId, _) = await BenchServer.CreateAppAsync(apis[0], "bench", receiverPort, settings.Endpoints);
            if (settings.WarmupSeconds > 0)
            {
                // 0. Warm-up: the same burst for a while, all of it delivered, then forgotten.
                var warm = await SendAsync(apis, appId, int.MaxValue, settings.Concurrency, ratePerSecond: null, TimeSpan.FromSeconds(settings.WarmupSeconds));
                await BenchReceiver.WaitForArrivalsAsync(http, receiverPort, warm.Accepted.Count * settings.Endpoints, TimeSpan.FromMinutes(5));
                await http.DeleteAsync(new Uri($"http://127.0.0.1:{receiverPort}/_stats"));
            }
            var cpuBefore = nodes.Sum(n => ProcessMemory.CpuSeconds(n.ProcessId));
            var databaseBefore = database?.ClusterCpuSeconds() ?? double.NaN;
            var diagnostics = DeliveryDiagnostics.From(settings.DiagnosticsDirectory, settings.Label);
            if (diagnostics is not null && database is not null)
            {
                // Before the count below: the reset empties the counters the count sums.
                await DeliveryDiagnostics.ResetStatementsAsync(database);
            }
            var statementsBefore = database is null ? null : await database.StatementsExecutedAsync();
            var measured = Stopwatch.StartNew();

            // 1. Burst: as fast as the API takes them; then until everything arrived.
            var burst = await SendAsync(apis, appId, settings.Messages, settings.Concurrency, ratePerSecond: null);
            var burstExpected = burst.Accepted.Count * settings.Endpoints;
            var burstArrivals = await BenchReceiver.WaitForArrivalsAsync(http, receiverPort, burstExpected, TimeSpan.FromMinutes(5),
                diagnostics?.StallWatch(burstExpected, database, nodes));
            var burstLastArrival = burstArrivals.Values.Count > 0 ? burstArrivals.Values.Max() : burst.StartedMicros;
            var deliveredPerSecond = burstArrivals.Count / ((burstLastArrival - burst.StartedMicros) / 1e6);
            await http.DeleteAsync(new Uri($"http://127.0.0.1:{receiverPort}/_stats"));

            // 2. Sustained rate: latency from the 202 to arrival.
            var sustained = await SendAsync(apis, appId, settings.Rate * settings.Duration, settings.Concurrency, ratePerSecond: settings.Rate);
            var arrivals = await BenchReceiver.WaitForArrivalsAsync(http, receiverPort, sustained.Accepted.Count * settings.Endpoints, TimeSpan.FromMinutes(3));
            var latencies = new List<double>();
            foreach (var (id, acceptedAt) in sustained.Accepted)
            {
                for (var e = 0; e < settings.Endpoints; e++)
                {
                    if (arrivals.TryGetValue($"{id}/e{e}", out var at))
                    {
                        latencies.Add((at - acceptedAt) / 1000.0);
                    }
                }
            }
            latencies.Sort();
            var measuredSeconds = measured.Elapsed.TotalSeconds;
            var databaseCpu = (database?.ClusterCpuSeconds() ?? double.NaN) - databaseBefore;
            var statementsAfter = database is null ? null : await database.StatementsExecutedAsync();
            var serverCpu = nodes.Sum(n => ProcessMemory.CpuSeconds(n.ProcessId));
            if (diagnostics is not null && database is not null)
            {
                await diagnostics.WriteStatementsAsync(database, databaseCpu, burstArrivals.Count + latencies.Count);
            }
            if (diagnostics is not null)
            {
                await diagnostics.WriteNodeLogsAsync(nodes);
            }

            var figures = new DeliveryFigures
            {
                Settings = settings,
                AcceptedPerSecond = burst.Accepted.Count / burst.Elapsed.TotalSeconds,
                DeliveredPerSecond = deliveredPerSecond,
                BurstAccepted = burst.Accepted.Count,
                BurstDelivered = burstArrivals.Count,
                SustainedAccepted = sustained.Accepted.Count,
                SustainedSeconds = sustained.Elapsed.TotalSeconds,
                AchievedRate = sustained.Accepted.Count / sustained.Elapsed.TotalSeconds,
                Latencies = latencies,
                PeakMemoryMiB = nodes.Max(n => ProcessMemory.PeakResidentMiB(n.ProcessId)),
                ServerCpuSeconds = serverCpu,
                ServerCpuSecondsMeasured = serverCpu - cpuBefore,
                DatabaseCpuSeconds = databaseCpu,
                DatabaseStatements = statementsAfter - statementsBefore,
                MeasuredSeconds = measuredSeconds,
            };
            await Task.WhenAll(nodes.Select(n => n.StopAsync()));
            return figures;
        }
        finally
        {
            apis.ForEach(a => a.Dispose());
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>The raw baseline: plain HttpClient → the same receiver, at the concurrency Hookline may use towards it.</summary>
    public static async Task<double> RawBaselineAsync(HttpClient http, int receiverPort, int requests, int concurrency)
    {
        // Warm the client and the receiver first (as the server is warmed), then measure.
        await PostRawAsync(http, receiverPort, Math.Min(requests, 5000), concurrency);
        var watch = Stopwatch.StartNew();
        await PostRawAsync(http, receiverPort, requests, concurrency);
        var rate = requests / watch.Elapsed.TotalSeconds;
        await http.DeleteAsync(new Uri($"http://127.0.0.1:{receiverPort}/_stats"));
        return rate;
    }

    private static async Task PostRawAsync(HttpClient http, int receiverPort, int requests, int concurrency)
    {
        var payload = Encoding.UTF8.GetBytes("{\"type\":\"bench.event\",\"n\":123456,\"data\":{\"text\":\"" + new string('x', 200) + "\"}}");
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                using var content = new ByteArrayContent(payload);
                content.Headers.ContentType = new("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{receiverPort}/baseline")) { Content = content };
                request.Headers.TryAddWithoutValidation("x-bench-id", next.ToString(CultureInfo.InvariantCulture));
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
            }
        }));
    }

    private static Dictionary<string, string> NodeSettings(DeliverySettings settings, PostgresBenchDatabase? database, string dataDirectory, int node)
    {
        var values = BenchServer.Settings(dataDirectory, database, $"bench-node{node}");
        values["Hookline:Delivery:MaxConcurrencyPerEndpoint"] = settings.EndpointConcurrency.ToString(CultureInfo.InvariantCulture);
        return values;
    }

    private sealed record SendResult(ConcurrentDictionary<string, long> Accepted, TimeSpan Elapsed, long StartedMicros);

    /// <summary>
    /// Posts messages with <paramref name="concurrency"/> workers, paced to a rate when given (open
    /// loop), message n to node n mod N.
    /// </summary>
    private static async Task<SendResult> SendAsync(List<HttpClient> apis, string appId, int count, int concurrency, int? ratePerSecond, TimeSpan? stopAfter = null)
    {
        var accepted = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var next = -1;
        var started = Stopwatch.StartNew();
        var startedMicros = BenchReceiver.UnixMicros();
        var workers = Enumerable.Range(0, ratePerSecond is null ? concurrency : Math.Max(concurrency, 256)).Select(async _ =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= count || started.Elapsed >= stopAfter)
                {
                    return;
                }
                if (ratePerSecond is { } r)
                {
                    var due = TimeSpan.FromSeconds((double)n / r);
                    var wait = due - started.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }
                }
                using var content = new StringContent(Body, Encoding.UTF8, "application/json");
                using var response = await apis[n % apis.Count].PostAsync(new Uri($"/api/v1/app/{appId}/msg", UriKind.Relative), content);
                var at = BenchReceiver.UnixMicros();
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                    accepted[id] = at;
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return new SendResult(accepted, started.Elapsed, startedMicros);
    }

}
