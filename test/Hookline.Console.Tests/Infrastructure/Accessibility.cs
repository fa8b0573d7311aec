using Deque.AxeCore.Playwright;

namespace Hookline.Console.Tests.Infrastructure;

/// <summary>axe-core on a page: critical and serious violations, written so a failure says what and where.</summary>
public static class Accessibility
{
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        var result = await page.RunAxe();
        return [.. result.Violations
            .Where(v => v.Impact is "critical" or "serious")
            .Select(v => $"{page.Url}: {v.Impact} {v.Id} ({v.Help}) at {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")];
    }
}
