using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Hookline.Server.Tests.MultiNode;

/// <summary>A message the API answered <c>202 Accepted</c>: by which node, and when.</summary>
internal sealed record Accepted(int Node, DateTimeOffset At);

/// <summary>An API call that did not end in a 202.</summary>
internal sealed record SendFailure(int Node, DateTimeOffset At, SendFailureKind Kind, string Detail);

internal enum SendFailureKind
{
    /// <summary>Nothing listened on the node's port (stopped or dead).</summary>
    ConnectionRefused,

    /// <summary>Any other transport failure: reset, response cut off, timeout.</summary>
    Transport,

    /// <summary>The node answered with a 5xx.</summary>
    ServerError,

    /// <summary>The node answered something else that is not a 202.</summary>
    OtherStatus,
}

/// <summary>
/// Posts messages to the nodes in turn, paced to a rate (open loop, a bounded number of workers), the
/// way a load balancer without affinity spreads clients, and over the given applications in turn
/// (independently of the node). Only a 202 the client actually received counts as accepted. A node
/// marked down (as a balancer's health check would) is skipped.
/// </summary>
internal sealed class RoundRobinLoad : IAsyncDisposable
{
    private readonly HttpClient[] _clients;
    private readonly bool[] _down;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _next = -1;

    private RoundRobinLoad(PostgresCluster cluster, IReadOnlyList<string> appIds, int workers, double ratePerSecond)
    {
        _clients = Enumerable.Range(0, cluster.Count).Select(cluster.CreateClient).ToArray();
        _down = new bool[cluster.Count];
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(appIds, ratePerSecond))).ToArray();
    }

    public ConcurrentDictionary<string, Accepted> Accepted { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<SendFailure> Failures { get; } = new();

    public static RoundRobinLoad Start(PostgresCluster cluster, IReadOnlyList<string> appIds, int workers, double ratePerSecond) =>
        new(cluster, appIds, workers, ratePerSecond);

    public void MarkDown(int node) => Volatile.Write(ref _down[node], true);

    public double AcceptedPerSecond(DateTimeOffset from, DateTimeOffset to) =>
        Accepted.Values.Count(a => a.At >= from && a.At < to) / (to - from).TotalSeconds;

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        _stop.Dispose();
    }

    private async Task WorkAsync(IReadOnlyList<string> appIds, double rate)
    {
        while (!_stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _next);
            var wait = TimeSpan.FromSeconds(n / rate) - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            var node = PickNode(n);
            var appId = appIds[(int)(n / _clients.Length % appIds.Count)];
            try
            {
                // Not cancelled by the stop: a request on its way is let finish, so that a 202 the
                // server sent is seen (and counted) by the client.
                using var response = await _clients[node].PostAsJsonAsync($"/api/v1/app/{appId}/msg", new { eventType = "load.test", payload = new { n } }, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var id = (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).GetProperty("id").GetString()!;
                    Accepted[id] = new Accepted(node, DateTimeOffset.UtcNow);
                }
                else
                {
                    var kind = (int)response.StatusCode >= 500 ? SendFailureKind.ServerError : SendFailureKind.OtherStatus;
                    Failures.Enqueue(new SendFailure(node, DateTimeOffset.UtcNow, kind, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}"));
                }
            }
            catch (HttpRequestException ex)
            {
                var refused = ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
                Failures.Enqueue(new SendFailure(node, DateTimeOffset.UtcNow, refused ? SendFailureKind.ConnectionRefused : SendFailureKind.Transport, ex.Message));
            }
            catch (TaskCanceledException ex)
            {
                Failures.Enqueue(new SendFailure(node, DateTimeOffset.UtcNow, SendFailureKind.Transport, "timeout: " + ex.Message));
            }
        }
    }

    private int PickNode(long n)
    {
        for (var i = 0; i < _clients.Length; i++)
        {
            var node = (int)((n + i) % _clients.Length);
            if (!Volatile.Read(ref _down[node]))
            {
                return node;
            }
        }
        return (int)(n % _clients.Length);
    }
}
