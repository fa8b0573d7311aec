namespace Hookline.Core.Delivery;

/// <summary>
/// Wakes the dispatcher the moment new work commits, so the hot path never waits for a poll.
/// Notifications coalesce: many notifies before one wait wake it once. A multi-node store adds its
/// own cross-node wake-up (PostgreSQL LISTEN/NOTIFY) by calling <see cref="Notify"/> too.
/// </summary>
public sealed class DeliverySignal
{
    private TaskCompletionSource _pending = NewSource();

    /// <summary>Raised after <see cref="Notify"/>; a store that spans nodes forwards it to the others.</summary>
    public event Action? Notified;

    public void Notify()
    {
        NotifyLocal();
        Notified?.Invoke();
    }

    /// <summary>Wakes this node's waiters only (used when the notification came from another node).</summary>
    public void NotifyLocal() => Volatile.Read(ref _pending).TrySetResult();

    /// <summary>Waits for a notification or the timeout; true when notified.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var pending = Volatile.Read(ref _pending);
        if (pending.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _pending, NewSource(), pending);
            return true;
        }
        try
        {
            await pending.Task.WaitAsync(timeout, time, cancellationToken);
            Interlocked.CompareExchange(ref _pending, NewSource(), pending);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
