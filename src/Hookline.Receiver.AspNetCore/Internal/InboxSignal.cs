namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Wakes the worker the moment an event is stored (or a handler finishes, or a dead letter is
/// requeued), so a received webhook never waits for a poll. Notifications coalesce.
/// </summary>
internal sealed class InboxSignal
{
    private TaskCompletionSource _pending = NewSource();

    public void Notify() => Volatile.Read(ref _pending).TrySetResult();

    /// <summary>Waits for a notification or the timeout; true when notified.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var pending = Volatile.Read(ref _pending);
        if (!pending.Task.IsCompleted)
        {
            try
            {
                await pending.Task.WaitAsync(timeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
        Interlocked.CompareExchange(ref _pending, NewSource(), pending);
        return true;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
