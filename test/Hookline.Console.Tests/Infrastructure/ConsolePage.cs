namespace Hookline.Console.Tests.Infrastructure;

/// <summary>A page in its own browser context, with every console error and uncaught exception it produced.</summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly List<string> _errors = [];

    public ConsolePage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        Watch(page);
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Collects console errors and uncaught exceptions of a page (or of a popup it opened).</summary>
    public void Watch(IPage page)
    {
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add($"{page.Url}: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"{page.Url}: uncaught {error}");
            }
        };
    }

    /// <summary>No console errors, except those a test expects (e.g. the browser refusing a frame).</summary>
    public void AssertNoConsoleErrors(Func<string, bool>? expected = null)
    {
        var unexpected = Errors.Where(e => expected is null || !expected(e)).ToList();
        Assert.True(unexpected.Count == 0, "Browser console errors:\n" + string.Join('\n', unexpected));
    }

    /// <summary>Signs in to the dashboard with a token, as a person would.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.GotoAsync("/login");
        await Page.GetByLabel("Admin token").FillAsync(token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
