using System.Collections.Concurrent;
using Hookline.Receiver.AspNetCore;

namespace Hookline.Receiver.AspNetCore.Tests.Infrastructure;

/// <summary>What handlers ran, with what, and when; and a way to wait for runs.</summary>
public sealed class HandlerProbe
{
    private readonly ConcurrentQueue<HandlerRun> _runs = new();
    private readonly SemaphoreSlim _signal = new(0);
    private int _concurrent;
    private int _maxConcurrent;

    public IReadOnlyList<HandlerRun> Runs => _runs.ToArray();

    /// <summary>The most handler runs seen in progress at the same time.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public void Record(WebhookEvent e)
    {
        _runs.Enqueue(new HandlerRun(e.Webhook, e.DeliveryId, e.Attempt, e.InboxId, e.BodyText, e.Timestamp, DateTimeOffset.UtcNow));
        _signal.Release();
    }

    /// <summary>Marks a run in progress until the returned scope is disposed.</summary>
    public IDisposable Enter()
    {
        var now = Interlocked.Increment(ref _concurrent);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen)
        {
        }
        return new Exit(this);
    }

    public async Task<IReadOnlyList<HandlerRun>> WaitForRunsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (_runs.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"expected {count} handler runs, saw {_runs.Count}: {string.Join(", ", _runs)}");
            }
            await _signal.WaitAsync(left);
        }
        return Runs;
    }

    private sealed class Exit(HandlerProbe probe) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref probe._concurrent);
    }
}

public sealed record HandlerRun(string Webhook, string DeliveryId, int Attempt, long InboxId, string Body, DateTimeOffset? Timestamp, DateTimeOffset At);
