using System.Collections.Concurrent;

namespace Hookline.Testing;

/// <summary>
/// Notices when this process stops running its thread pool on time (a loaded machine starves it):
/// a 10 ms tick that comes more than <see cref="Threshold"/> late marks a stall. A receiver running
/// in the test process stamps the requests that waited in the kernel during a stall all at once
/// when it thaws; <see cref="Bunched"/> tells those arrivals apart, so a rate measured at such a
/// receiver judges the sender, not the test process's own pauses.
/// </summary>
public sealed class StallWatch : IAsyncDisposable
{
    public static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(40);

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(DateTimeOffset From, DateTimeOffset To)> _stalls = new();
    private Task _loop = Task.CompletedTask;

    public int Count => _stalls.Count;

    public static StallWatch Start()
    {
        var watch = new StallWatch();
        watch._loop = Task.Run(watch.RunAsync);
        return watch;
    }

    /// <summary>True when <paramref name="at"/> falls in a stall or just after it, where the requests it held back get stamped.</summary>
    public bool Bunched(DateTimeOffset at) => _stalls.Any(s => at >= s.From && at <= s.To + TimeSpan.FromMilliseconds(100));

    private async Task RunAsync()
    {
        var tick = TimeSpan.FromMilliseconds(10);
        while (!_stop.IsCancellationRequested)
        {
            var before = DateTimeOffset.UtcNow;
            try
            {
                await Task.Delay(tick, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var after = DateTimeOffset.UtcNow;
            if (after - before - tick > Threshold)
            {
                _stalls.Enqueue((before, after));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        await _loop;
        _stop.Dispose();
    }
}
