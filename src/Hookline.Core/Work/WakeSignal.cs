namespace Hookline.Core.Work;

/// <summary>
/// Wakes a sleeping worker loop (a <see cref="WorkLoop{TItem}"/> or a polling service) the moment
/// there is something for it, so work never waits for the next poll. Wake-ups coalesce: many
/// <see cref="Wake"/> calls before one <see cref="WaitAsync"/> wake it once, and a wake-up that
/// comes while nobody waits is kept for the next wait.
/// </summary>
/// <remarks>
/// The delivery dispatcher, the receiver's inbox worker and the background task worker each
/// register a subclass of their own, so that one kind of work never wakes another's worker.
/// </remarks>
public class WakeSignal
{
    private TaskCompletionSource _pending = NewSource();

    /// <summary>Wakes the waiter (now, or at its next wait if none is waiting).</summary>
    public void Wake() => Volatile.Read(ref _pending).TrySetResult();

    /// <summary>Waits for a wake-up or the timeout; true when woken.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
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
        // Only the wake-up that was consumed is replaced: one raised since then stays pending.
        Interlocked.CompareExchange(ref _pending, NewSource(), pending);
        return true;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
