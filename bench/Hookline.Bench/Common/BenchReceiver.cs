using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hookline.Bench.Common;

/// <summary>
/// The webhook receiver for load scenarios, run as its own process (<c>Hookline.Bench receiver --port N</c>)
/// so that it does not share a runtime with the server or the load generator. It answers 200 at
/// once and remembers when each <c>webhook-id</c> (or <c>x-bench-id</c>) arrived at each path (key <c>{id}/{path}</c>), in Unix
/// microseconds of the shared system clock; <c>GET /_stats</c> returns them, <c>GET /_stats/count</c> says
/// how many requests arrived (duplicates included), <c>DELETE /_stats</c> clears.
/// </summary>
internal static class BenchReceiver
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = args.Length >= 2 && args[0] == "--port" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5099;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var arrivals = new ConcurrentQueue<(string Id, long AtMicros)>();
        app.MapGet("/_stats", () =>
        {
            var lines = string.Join('\n', arrivals.Select(a => $"{a.Id} {a.AtMicros}"));
            return Results.Text(lines);
        });
        // What a wait polls: a number, so that watching a run of 200,000 deliveries does not format and
        // parse megabytes four times a second on the cores the server under test runs on.
        app.MapGet("/_stats/count", () => Results.Text(arrivals.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        app.MapDelete("/_stats", () =>
        {
            arrivals.Clear();
            return Results.NoContent();
        });
        app.MapGet("/_ready", () => Results.Ok());
        app.MapPost("/{**path}", async (HttpContext ctx) =>
        {
            var now = UnixMicros();
            // Drain the body like a real receiver would.
            await ctx.Request.Body.CopyToAsync(Stream.Null);
            var id = ctx.Request.Headers["webhook-id"].ToString();
            if (id.Length == 0)
            {
                id = ctx.Request.Headers["x-bench-id"].ToString();
            }
            arrivals.Enqueue((id + ctx.Request.Path.Value, now));
            return Results.Ok();
        });
        await app.RunAsync();
        return 0;
    }

    public static long UnixMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>Starts the receiver as a child process of this benchmark.</summary>
    public static async Task<Process> StartProcessAsync(int port)
    {
        var self = typeof(BenchReceiver).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(self);
        start.ArgumentList.Add("receiver");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient();
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/_ready"));
                if (response.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException("The bench receiver did not start.");
    }

    /// <summary>First arrivals keyed by request id (the delivery scenario: <c>{msg id}/e{endpoint index}</c>), once <paramref name="expected"/> are in or <paramref name="timeout"/> passed.</summary>
    /// <param name="observe">Told the count after each look (the bench's <c>--diagnose</c> watches it for a stall).</param>
    public static async Task<Dictionary<string, long>> WaitForArrivalsAsync(HttpClient client, int port, int expected, TimeSpan timeout, Func<int, Task>? observe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await Task.Delay(250);
            var count = await CountArrivalsAsync(client, port);
            if (observe is not null)
            {
                await observe(count);
            }
            // The count includes duplicates (at-least-once), so the list decides; it is fetched only
            // once enough requests are in, or at the deadline.
            if (count >= expected || DateTime.UtcNow >= deadline)
            {
                var arrivals = await FetchArrivalsAsync(client, port);
                if (arrivals.Count >= expected || DateTime.UtcNow >= deadline)
                {
                    return arrivals;
                }
            }
        }
    }

    /// <summary>How many requests the receiver has had since it was last cleared, duplicates included.</summary>
    public static async Task<int> CountArrivalsAsync(HttpClient client, int port) =>
        int.Parse(await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/_stats/count")), System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<Dictionary<string, long>> FetchArrivalsAsync(HttpClient client, int port)
    {
        var text = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/_stats"));
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var id = line[..space];
            var at = long.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture);
            // Keep the first arrival: duplicates (at-least-once) do not shorten latency.
            result.TryAdd(id, at);
        }
        return result;
    }
}
