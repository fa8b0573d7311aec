namespace Hookline.Server.Tests.MultiNode;

internal static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="describe"/> after <paramref name="timeout"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s: {describe()}");
            }
            await Task.Delay(100);
        }
    }
}
