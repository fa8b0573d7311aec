using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hookline.Bench.Common;
using Hookline.Testing;

namespace Hookline.Bench.Delivery;

/// <summary>
/// The outbound path end to end: the server in its own process, a receiver in another, messages
/// through the real API. Measures, in one run: a raw baseline (plain HttpClient → the same receiver
/// at the concurrency Hookline is allowed), API acceptance rate, delivery rate, end-to-end latency
/// at a sustained rate, and the server's peak memory.
/// </summary>
internal static class DeliveryScenario
{
    private const string AdminToken = "hk_bench_admin_token_0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var messages = options.Int("messages", 20_000);
        var endpoints = options.Int("endpoints", 2);
        var concurrency = options.Int("concurrency", 64);
        var rate = options.Int("rate", 1000);
        var duration = options.Int("duration", 20);
        var perEndpointConcurrency = options.Int("endpoint-concurrency", 10);
        var report = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        var receiverPort = ServerProcess.FreePort();
        using var receiver = await BenchReceiver.StartProcessAsync(receiverPort);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { Timeout = TimeSpan.FromSeconds(60) };
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hookline-bench", Guid.NewGuid().ToString("N"));
        try
        {
            Line($"# Delivery benchmark — {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
            Line("");
            Line($"Machine: {Environment.ProcessorCount} cores, {CpuModel()}, .NET {Environment.Version}, load average at start {LoadAverage()}.");
            Line($"Store: SQLite (default). {messages} messages × {endpoints} endpoints, {concurrency} concurrent API clients, endpoint concurrency {perEndpointConcurrency}.");
            Line("");

            // 1. Raw baseline: the same receiver, the concurrency Hookline may use towards it.
            var baselineConcurrency = perEndpointConcurrency * endpoints;
            var baselineRequests = messages * endpoints;
            var payload = Encoding.UTF8.GetBytes("{\"type\":\"bench.event\",\"n\":123456,\"data\":{\"text\":\"" + new string('x', 200) + "\"}}");
            var baseline = await RawBaselineAsync(http, receiverPort, baselineRequests, baselineConcurrency, payload);
            await http.DeleteAsync(new Uri($"http://127.0.0.1:{receiverPort}/_stats"));

            await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
            {
                ["Hookline:DataDirectory"] = dataDirectory,
                ["Hookline:AdminToken"] = AdminToken,
                ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
                ["Hookline:Delivery:MaxConcurrencyPerEndpoint"] = perEndpointConcurrency.ToString(CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Warning",
            });
            using var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            api.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
            var appId = await CreateAppAsync(api, receiverPort, endpoints);

            // 2. Burst: as fast as the API takes them; then until everything arrived.
            var burst = await SendAsync(api, appId, messages, concurrency, ratePerSecond: null);
            var burstArrivals = await WaitForArrivalsAsync(http, receiverPort, burst.Accepted.Count * endpoints, TimeSpan.FromMinutes(5));
            var burstFirstSend = burst.StartedMicros;
            var burstLastArrival = burstArrivals.Values.Count > 0 ? burstArrivals.Values.Max() : burstFirstSend;
            var delivered = burstArrivals.Count;
            var deliveredPerSecond = delivered / ((burstLastArrival - burstFirstSend) / 1e6);
            var acceptedPerSecond = burst.Accepted.Count / burst.Elapsed.TotalSeconds;
            await http.DeleteAsync(new Uri($"http://127.0.0.1:{receiverPort}/_stats"));

            // 3. Sustained rate: latency from the 202 to arrival.
            var sustained = await SendAsync(api, appId, rate * duration, concurrency, ratePerSecond: rate);
            var arrivals = await WaitForArrivalsAsync(http, receiverPort, sustained.Accepted.Count * endpoints, TimeSpan.FromMinutes(3));
            var latencies = new List<double>();
            foreach (var (id, acceptedAt) in sustained.Accepted)
            {
                for (var e = 0; e < endpoints; e++)
                {
                    if (arrivals.TryGetValue($"{id}/e{e}", out var at))
                    {
                        latencies.Add((at - acceptedAt) / 1000.0);
                    }
                }
            }
            latencies.Sort();
            var achievedRate = sustained.Accepted.Count / sustained.Elapsed.TotalSeconds;
            var peakMemory = ProcessMemory.PeakResidentMiB(server.ProcessId);
            var serverCpu = ProcessMemory.CpuSeconds(server.ProcessId);

            Line("| figure | value | target | met |");
            Line("|---|---:|---:|:-:|");
            Line($"| raw baseline: HttpClient → receiver, {baselineConcurrency} concurrent | {baseline:F0} req/s | | |");
            Line($"| API accepted (burst, durable 202) | {acceptedPerSecond:F0} msg/s | ≥ 5000 msg/s | {Mark(acceptedPerSecond >= 5000)} |");
            Line($"| delivered (burst, first send → last arrival) | {deliveredPerSecond:F0} deliveries/s | ≥ 0.5 × baseline = {0.5 * baseline:F0} | {Mark(deliveredPerSecond >= 0.5 * baseline)} |");
            Line($"| delivered / baseline | {deliveredPerSecond / baseline:F2} | ≥ 0.50 | {Mark(deliveredPerSecond >= 0.5 * baseline)} |");
            Line($"| sustained rate achieved | {achievedRate:F0} msg/s ({sustained.Accepted.Count} in {sustained.Elapsed.TotalSeconds:F1} s) | 1000 msg/s | {Mark(achievedRate >= 0.98 * rate)} |");
            Line($"| end-to-end latency p50 | {Percentiles.Of(latencies, 50):F1} ms | | |");
            Line($"| end-to-end latency p99 | {Percentiles.Of(latencies, 99):F1} ms | ≤ 50 ms | {Mark(Percentiles.Of(latencies, 99) <= 50)} |");
            Line($"| end-to-end latency max | {(latencies.Count > 0 ? latencies[^1] : double.NaN):F1} ms | | |");
            Line($"| deliveries measured (sustained) | {latencies.Count} of {sustained.Accepted.Count * endpoints} | all | {Mark(latencies.Count == sustained.Accepted.Count * endpoints)} |");
            Line($"| server peak memory (VmHWM) | {peakMemory:F0} MiB | ≤ 300 MiB | {Mark(peakMemory <= 300)} |");
            Line($"| server CPU time, whole run | {serverCpu:F1} s | | |");
            Line($"| burst deliveries arrived | {delivered} of {burst.Accepted.Count * endpoints} | all | {Mark(delivered == burst.Accepted.Count * endpoints)} |");
            Line("");
            Line($"Load average at end {LoadAverage()}.");
            await server.StopAsync();
        }
        finally
        {
            receiver.Kill(entireProcessTree: true);
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        var path = Path.Combine(ServerProcess.RepositoryRoot, "bench", "results", $"delivery-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, report.ToString());
        Console.WriteLine($"Report written to {path}");
        return 0;
    }

    private static string Mark(bool met) => met ? "yes" : "**no**";

    private static async Task<string> CreateAppAsync(HttpClient api, int receiverPort, int endpoints)
    {
        using var created = await api.PostAsJsonAsync("/api/v1/app", new { name = "bench" });
        created.EnsureSuccessStatusCode();
        var appId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        for (var e = 0; e < endpoints; e++)
        {
            // Each endpoint adds its index to the id the receiver records, via a custom header.
            using var endpoint = await api.PostAsJsonAsync($"/api/v1/app/{appId}/endpoint", new { url = $"http://127.0.0.1:{receiverPort}/e{e}" });
            endpoint.EnsureSuccessStatusCode();
        }
        return appId;
    }

    private sealed record SendResult(ConcurrentDictionary<string, long> Accepted, TimeSpan Elapsed, long StartedMicros);

    /// <summary>Posts messages with <paramref name="concurrency"/> workers, paced to a rate when given (open loop).</summary>
    private static async Task<SendResult> SendAsync(HttpClient api, string appId, int count, int concurrency, int? ratePerSecond)
    {
        var accepted = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var next = -1;
        var started = Stopwatch.StartNew();
        var startedMicros = BenchReceiver.UnixMicros();
        var body = "{\"eventType\":\"bench.event\",\"payload\":{\"n\":123456,\"data\":{\"text\":\"" + new string('x', 200) + "\"}}}";
        var workers = Enumerable.Range(0, ratePerSecond is null ? concurrency : Math.Max(concurrency, 256)).Select(async _ =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= count)
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
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await api.PostAsync(new Uri($"/api/v1/app/{appId}/msg", UriKind.Relative), content);
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

    private static async Task<double> RawBaselineAsync(HttpClient http, int receiverPort, int requests, int concurrency, byte[] payload)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
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
        return requests / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Arrivals keyed <c>{msg id}/e{endpoint index}</c>, once the expected count is in (or the timeout passes).</summary>
    private static async Task<Dictionary<string, long>> WaitForArrivalsAsync(HttpClient http, int receiverPort, int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<string, long> arrivals;
        do
        {
            await Task.Delay(250);
            var raw = await BenchReceiver.FetchArrivalsAsync(http, receiverPort);
            arrivals = raw;
        }
        while (arrivals.Count < expected && DateTime.UtcNow < deadline);
        return arrivals;
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
