using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hookline.Bench.Ingest;

/// <summary>One pre-signed GitHub-style request: body, <c>X-Hub-Signature-256</c> and a unique <c>X-GitHub-Delivery</c>.</summary>
internal sealed record PresignedRequest(byte[] Body, string Signature, string DeliveryId);

/// <summary>What one load phase measured.</summary>
internal sealed record PhaseResult(
    int Offered,
    int Sent,
    int Accepted,
    int Refused,
    int Errors,
    TimeSpan Elapsed,
    double[] LatencyMs,
    double GeneratorLagP99Ms)
{
    /// <summary>2xx answers per second, from the first send to the last answer.</summary>
    public double AcceptedPerSecond => Accepted / Elapsed.TotalSeconds;

    public double P50 => Common.Percentiles.Of(LatencyMs, 50);

    public double P99 => Common.Percentiles.Of(LatencyMs, 99);

    public double Max => LatencyMs.Length > 0 ? LatencyMs[^1] : double.NaN;
}

/// <summary>
/// Posts pre-signed requests at a target: open loop at a fixed rate (requests go out on schedule
/// whatever the answers do, so a slow target cannot slow the offered load down), or closed loop
/// with N workers as fast as the target answers. The load generator does no cryptography while
/// timing: every body and signature is computed before the phase starts.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    public const string GitHubSecret = "bench-github-webhook-secret";

    private static long s_nextDelivery;
    private readonly HttpClient _client;

    public LoadGenerator() =>
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 2048,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Distinct bodies of about <paramref name="bodyBytes"/> bytes, each signed like GitHub signs, each with its own delivery id.</summary>
    public static PresignedRequest[] Presign(int count, int bodyBytes)
    {
        var key = Encoding.UTF8.GetBytes(GitHubSecret);
        var filler = new string('x', Math.Max(0, bodyBytes - 160));
        var requests = new PresignedRequest[count];
        for (var i = 0; i < count; i++)
        {
            var n = Interlocked.Increment(ref s_nextDelivery);
            var body = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{{\"ref\":\"refs/heads/main\",\"after\":\"{n:x16}\",\"repository\":{{\"full_name\":\"bench/ingest\"}},\"pusher\":{{\"name\":\"bench\"}},\"filler\":\"{filler}\"}}"));
            requests[i] = new PresignedRequest(body, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body)), $"bench-{n}");
        }
        return requests;
    }

    /// <summary>Sends <paramref name="requests"/> at <paramref name="rate"/> per second; at most <paramref name="maxInFlight"/> outstanding (beyond that a request is counted as not sent).</summary>
    public async Task<PhaseResult> OpenLoopAsync(Uri target, PresignedRequest[] requests, int rate, int maxInFlight)
    {
        var tally = new Tally(requests.Length);
        var lags = new double[requests.Length];
        int sent = 0, inFlight = 0;
        var tasks = new List<Task>(requests.Length);
        var clock = Stopwatch.StartNew();
        var next = 0;
        while (next < requests.Length)
        {
            var now = clock.Elapsed.TotalSeconds;
            while (next < requests.Length && next <= now * rate)
            {
                var i = next++;
                lags[i] = (now - (double)i / rate) * 1000;
                if (Volatile.Read(ref inFlight) >= maxInFlight)
                {
                    continue;
                }
                Interlocked.Increment(ref inFlight);
                sent++;
                tasks.Add(SendOneAsync(i));
            }
            await Task.Delay(1);
        }
        await Task.WhenAll(tasks);
        var elapsed = clock.Elapsed;
        Array.Sort(lags);
        return tally.Result(sent, elapsed, Common.Percentiles.Of(lags, 99));

        async Task SendOneAsync(int i)
        {
            try
            {
                await SendTimedAsync(target, requests, i, tally);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }

    /// <summary><paramref name="concurrency"/> workers, each sending its next request as soon as the previous one is answered.</summary>
    public async Task<PhaseResult> ClosedLoopAsync(Uri target, PresignedRequest[] requests, int concurrency)
    {
        var tally = new Tally(requests.Length);
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests.Length)
            {
                await SendTimedAsync(target, requests, i, tally);
            }
        }));
        return tally.Result(requests.Length, clock.Elapsed, 0);
    }

    /// <summary>Posts request <paramref name="i"/> and records in <paramref name="tally"/> how long the answer took and what it was.</summary>
    private async Task SendTimedAsync(Uri target, PresignedRequest[] requests, int i, Tally tally)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var status = await PostAsync(target, requests[i]);
            tally.LatencyMs[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            tally.Completed[i] = true;
            if (status is >= 200 and < 300)
            {
                Interlocked.Increment(ref tally.Accepted);
            }
            else
            {
                Interlocked.Increment(ref tally.Refused);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref tally.Errors);
        }
    }

    private async Task<int> PostAsync(Uri target, PresignedRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = new("application/json");
        message.Headers.TryAddWithoutValidation("X-Hub-Signature-256", request.Signature);
        message.Headers.TryAddWithoutValidation("X-GitHub-Delivery", request.DeliveryId);
        message.Headers.TryAddWithoutValidation("X-GitHub-Event", "push");
        using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead);
        return (int)response.StatusCode;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>One phase's answers, written concurrently by the senders (fields, so <see cref="Interlocked"/> can count).</summary>
    private sealed class Tally(int count)
    {
        public readonly double[] LatencyMs = new double[count];
        public readonly bool[] Completed = new bool[count];
        public int Accepted;
        public int Refused;
        public int Errors;

        public PhaseResult Result(int sent, TimeSpan elapsed, double generatorLagP99Ms) =>
            new(LatencyMs.Length, sent, Accepted, Refused, Errors, elapsed, LatencyMs.Where((_, i) => Completed[i]).Order().ToArray(), generatorLagP99Ms);
    }
}
