using Xunit;

namespace Hookline.Testing;

/// <summary>Waits for something that happens in the background: polls a condition until it holds, and fails the test with a description when it does not in time.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task HoldsAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, what is null ? null : () => what);

    /// <param name="describe">Called on timeout, for the failure message (the state then, not when the wait began).</param>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan? timeout, Func<string>? describe) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, describe);

    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null) =>
        HoldsAsync(condition, timeout, what is null ? null : () => what);

    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout, Func<string>? describe)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:F0} s waiting for {describe?.Invoke() ?? "a condition"}.");
            }
            await Task.Delay(PollInterval);
        }
    }
}
