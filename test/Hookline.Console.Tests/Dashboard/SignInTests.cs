using System.Text.RegularExpressions;
using Hookline.Console.Tests.Infrastructure;

namespace Hookline.Console.Tests.Dashboard;

public sealed partial class SignInTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [BrowserFact]
    public async Task SignIn_WrongTokenThenRightToken_RefusesThenOpensDashboardAndLogsOut()
    {
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;

        // The dashboard is at /; without a session it sends the browser to the sign-in form.
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(LoginUrl());

        await browser.SignInAsync("hk_admin_not_the_right_one");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not valid");
        await Assertions.Expect(page).ToHaveURLAsync(LoginUrl());

        await browser.SignInAsync(ConsoleFixture.AdminToken);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        var cookie = (await browser.Context.CookiesAsync()).Single(c => c.Name == "hookline_console");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(ConsoleFixture.AdminToken, cookie.Value, StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("signed out");
        Assert.DoesNotContain(await browser.Context.CookiesAsync(), c => c.Name == "hookline_console");

        // Signed out means signed out: the dashboard asks for the token again.
        await page.GotoAsync("/apps");
        await Assertions.Expect(page).ToHaveURLAsync(LoginUrl());
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task SignIn_ApplicationToken_IsRefusedAsNotAdmin()
    {
        var app = await fixture.CreateAppAsync("Sign-in app token");
        var portal = await fixture.PortalUrlAsync(app);
        var token = Uri.UnescapeDataString(portal[(portal.IndexOf("token=", StringComparison.Ordinal) + 6)..]);
        await using var browser = await fixture.NewPageAsync();

        await browser.SignInAsync(token);

        await Assertions.Expect(browser.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("application token");
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task SignIn_PostWithoutAntiforgeryToken_IsRefused()
    {
        // A form on another site cannot sign anyone in (or out): the antiforgery token is missing.
        using var client = fixture.Server.CreateClient();
        using var response = await client.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = ConsoleFixture.AdminToken }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("hookline_console", StringComparison.Ordinal)));
    }

    private static Regex LoginUrl() => LoginPattern();

    [GeneratedRegex("/login")]
    private static partial Regex LoginPattern();
}
