using System.Text.Json;
using Hookline.Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Hookline.Console.Tests.Portal;

/// <summary>
/// The portal inside an iframe on a customer's page from another site (<c>localhost</c> embedding
/// <c>127.0.0.1</c>), in a browser that blocks third-party cookies; and the dashboard refusing to be framed.
/// </summary>
public sealed class EmbeddingTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [BrowserFact]
    public async Task Portal_InAnIframeOnAnotherSite_WithThirdPartyCookiesBlocked_ManagesEndpoints()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var app = await fixture.CreateAppAsync("Embedded portal");
        var link = await fixture.PortalUrlAsync(app);
        await using var customerSite = await TestReceiver.StartAsync();
        customerSite.On("/settings/webhooks", (context, _) => HtmlAsync(context, $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Acme settings</title><link rel="icon" href="data:,"></head>
            <body><h1>Acme · Webhook settings</h1>
            <iframe id="hookline" title="Webhooks" src="{{link}}" style="width: 100%; height: 900px; border: 0"></iframe>
            </body></html>
            """));
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var strictBrowser = await ConsoleFixture.LaunchAsync(playwright, "--test-third-party-cookie-phaseout");
        await using var browser = await fixture.NewPageAsync(strictBrowser);
        var page = browser.Page;

        await page.GotoAsync(CustomerUrl(customerSite, "/settings/webhooks"));
        var portal = page.FrameLocator("#hookline");

        await Assertions.Expect(portal.GetByRole(AriaRole.Heading, new() { Name = "Endpoints" })).ToBeVisibleAsync();
        await portal.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        await portal.GetByLabel("URL").FillAsync(receiver.Url("/from-iframe"));
        await portal.GetByRole(AriaRole.Button, new() { Name = "Create endpoint" }).ClickAsync();
        await Assertions.Expect(portal.GetByRole(AriaRole.Heading, new() { Name = receiver.Url("/from-iframe") })).ToBeVisibleAsync();
        await portal.GetByRole(AriaRole.Button, new() { Name = "Show secret" }).ClickAsync();
        await Assertions.Expect(portal.GetByLabel("Signing secret")).ToContainTextAsync("whsec_");

        var endpoints = (await fixture.GetAsync($"/api/v1/app/{app}/endpoint")).GetProperty("data");
        Assert.Equal(receiver.Url("/from-iframe"), Assert.Single(endpoints.EnumerateArray()).GetProperty("url").GetString());
        // Nothing depended on a cookie: the portal set none.
        Assert.Empty(await browser.Context.CookiesAsync());
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task Portal_FrameAncestorsHeader_FollowsConfiguration()
    {
        var app = await fixture.CreateAppAsync("Frame header");
        using var client = fixture.Server.CreateClient();

        using var response = await client.GetAsync(new Uri($"/portal/{app}", UriKind.Relative));

        Assert.Equal("frame-ancestors *", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(response.Headers.Contains("X-Frame-Options"));
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [BrowserFact]
    public async Task Dashboard_InAnIframe_IsRefusedByTheBrowser()
    {
        await using var attacker = await TestReceiver.StartAsync();
        attacker.On("/clickjack", (context, _) => HtmlAsync(context, $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Win a prize</title><link rel="icon" href="data:,"></head>
            <body><iframe id="victim" title="victim" src="{{fixture.BaseAddress}}login" style="width: 100%; height: 600px"></iframe></body></html>
            """));
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        var refused = page.WaitForConsoleMessageAsync(new() { Predicate = m => m.Text.Contains("frame-ancestors", StringComparison.Ordinal) });

        await page.GotoAsync(CustomerUrl(attacker, "/clickjack"));

        await refused;
        Assert.Equal(0, await page.FrameLocator("#victim").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).CountAsync());
        using var client = fixture.Server.CreateClient();
        foreach (var path in new[] { "/", "/login", "/apps" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        }
        browser.AssertNoConsoleErrors(expected: e => e.Contains("frame-ancestors", StringComparison.Ordinal));
    }

    /// <summary>The page under <c>localhost</c>: another site than the server's <c>127.0.0.1</c>.</summary>
    private static string CustomerUrl(TestReceiver site, string path) => $"http://localhost:{site.BaseAddress.Port}{path}";

    private static Task HtmlAsync(HttpContext context, string html)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html);
    }
}
