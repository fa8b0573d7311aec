using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hookline.Bench.Common;

namespace Hookline.Bench.Lists;

/// <summary>One list query's figures at one data size: latency percentiles and the rows a page held.</summary>
internal sealed record QueryFigures(string Query, double P50, double P99, int Rows);

/// <summary>What the queries need to know about the seeded app: its endpoints, some of its messages, a time window.</summary>
internal sealed record ListTargets(string AppId, IReadOnlyList<string> EndpointIds, IReadOnlyList<string> MessageIds, DateTimeOffset After, DateTimeOffset Before);

/// <summary>
/// The API's list queries, each timed through the real HTTP API: sequential requests (one at a
/// time, so a figure is one query's latency, not a queue's), warm-up first, request <c>i</c>
/// rotating over the endpoints and the sampled messages so no single row stays hot.
/// </summary>
internal static class ListQueries
{
    private const int PageDepth = 5;

    public static async Task<List<QueryFigures>> MeasureAsync(HttpClient api, ListTargets t, int requests, int warmup, bool print = true)
    {
        var app = $"/api/v1/app/{t.AppId}";
        var window = $"after={Iso(t.After)}&before={Iso(t.Before)}";
        string Endpoint(int i) => t.EndpointIds[i % t.EndpointIds.Count];
        string Message(int i) => t.MessageIds[(int)((uint)(i * 7919) % (uint)t.MessageIds.Count)];

        // Deep pages: each endpoint's iterator to page 5, followed through the API like a client would.
        var deep = new List<string>();
        foreach (var endpoint in t.EndpointIds)
        {
            deep.Add(await IteratorAtPageAsync(api, $"{app}/attempt/endpoint/{endpoint}?limit=50", PageDepth));
        }
        // The Console's message log asks for pages of 50 without payloads, with its filters as query parameters.
        var log = $"{app}/msg?limit=50&with_content=false";
        var deepLog = await IteratorAtPageAsync(api, log, PageDepth);

        (string Name, Func<int, string> Path)[] queries =
        [
            ("attempts of an endpoint, page 1", i => $"{app}/attempt/endpoint/{Endpoint(i)}?limit=50"),
            ($"attempts of an endpoint, page {PageDepth} (iterator)", i => $"{app}/attempt/endpoint/{Endpoint(i)}?limit=50&iterator={deep[i % deep.Count]}"),
            ("attempts of an endpoint, status=2 (fail)", i => $"{app}/attempt/endpoint/{Endpoint(i)}?limit=50&status=2"),
            ("attempts of an endpoint, one-day window", i => $"{app}/attempt/endpoint/{Endpoint(i)}?limit=50&{window}"),
            ("attempts of a message", i => $"{app}/attempt/msg/{Message(i)}"),
            ("messages of the app, page 1", _ => $"{app}/msg?limit=50"),
            ("messages of the app, one-day window", _ => $"{app}/msg?limit=50&{window}"),
            ("messages of an endpoint, page 1", i => $"{app}/endpoint/{Endpoint(i)}/msg?limit=50"),
            ("messages of an endpoint, status=2 (fail)", i => $"{app}/endpoint/{Endpoint(i)}/msg?limit=50&status=2"),
            ("message log, page 1", _ => log),
            ($"message log, page {PageDepth} (iterator)", _ => $"{log}&iterator={deepLog}"),
            ("message log, event type", _ => $"{log}&event_types=payment.failed"),
            ("message log, status=0 (succeeded)", _ => $"{log}&status=0"),
            ("message log, status=1 (failing; none)", _ => $"{log}&status=1"),
            ("message log, status=2 (failed)", _ => $"{log}&status=2"),
            ("message log, channel eu", _ => $"{log}&channel=eu"),
            ("message log, channel vip (1 %)", _ => $"{log}&channel=vip"),
            ("message log, one-day window", _ => $"{log}&{window}"),
            ("message log, event type + failed + window", _ => $"{log}&event_types=payment.failed&status=2&{window}"),
            ("message log, vip + failed", _ => $"{log}&channel=vip&status=2"),
            ("message log, event type nobody sends", _ => $"{log}&event_types=never.sent"),
            ("message log, channel nobody uses", _ => $"{log}&channel=nobody"),
            ("dashboard overview, last 24 h", _ => "/api/v1/stats/overview"),
            ("dashboard overview, one-day window", _ => $"/api/v1/stats/overview?since={Iso(t.After)}&until={Iso(t.Before)}"),
            ("endpoint stats (all time)", i => $"{app}/endpoint/{Endpoint(i)}/stats"),
            ("endpoint stats, one-day window", i => $"{app}/endpoint/{Endpoint(i)}/stats?since={Iso(t.After)}&until={Iso(t.Before)}"),
        ];

        var results = new List<QueryFigures>();
        foreach (var (name, path) in queries)
        {
            for (var i = 0; i < warmup; i++)
            {
                await GetAsync(api, path(i));
            }
            var latencies = new List<double>(requests);
            var rows = -1;
            for (var i = 0; i < requests; i++)
            {
                var watch = Stopwatch.StartNew();
                var body = await GetAsync(api, path(i));
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                if (i == 0)
                {
                    using var json = JsonDocument.Parse(body);
                    rows = json.RootElement.TryGetProperty("data", out var data) ? data.GetArrayLength() : -1;
                }
            }
            latencies.Sort();
            results.Add(new QueryFigures(name, Percentiles.Of(latencies, 50), Percentiles.Of(latencies, 99), rows));
            if (print)
            {
                Console.WriteLine($"  {name,-48} p50 {results[^1].P50,8:F2} ms  p99 {results[^1].P99,8:F2} ms  rows {rows}");
            }
        }
        return results;
    }

    private static async Task<string> IteratorAtPageAsync(HttpClient api, string path, int page)
    {
        var iterator = "";
        for (var p = 1; p < page; p++)
        {
            using var json = JsonDocument.Parse(await GetAsync(api, iterator.Length == 0 ? path : $"{path}&iterator={iterator}"));
            iterator = json.RootElement.GetProperty("iterator").GetString() ?? throw new InvalidOperationException($"{path} has fewer than {page} pages.");
        }
        return iterator;
    }

    private static async Task<byte[]> GetAsync(HttpClient api, string path)
    {
        using var response = await api.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }
        return body;
    }

    private static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
}
