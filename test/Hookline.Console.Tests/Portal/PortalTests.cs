using System.Text.Json;
using Microsoft.AspNetCore.Http;
using System.Text.RegularExpressions;
using Hookline.Console.Tests.Infrastructure;

namespace Hookline.Console.Tests.Portal;

public sealed partial class PortalTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [BrowserFact]
    public async Task PortalLink_ShowsItsApplicationOnly_EvenWithOtherIdsTypedIntoTheUrl()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var mine = await fixture.CreateAppAsync("Acme portal");
        var myEndpoint = await fixture.CreateEndpointAsync(mine, receiver.Url("/acme"), "Acme's receiver");
        var myMessage = await fixture.SendMessageAsync(mine, "invoice.paid", new { invoice = "acme-1" });
        var other = await fixture.CreateAppAsync("Globex portal");
        var otherEndpoint = await fixture.CreateEndpointAsync(other, receiver.Url("/globex-secret-path"), "Globex's receiver");
        var otherMessage = await fixture.SendMessageAsync(other, "invoice.paid", new { invoice = "globex-1" });
        var link = await fixture.PortalUrlAsync(mine);
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;

        await page.GotoAsync(link);

        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = receiver.Url("/acme") })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Acme's receiver")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("globex-secret-path")).ToHaveCountAsync(0);
        // The token left the address bar on first load (no Referer, no history entry carries it).
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Link, new() { Name = "Messages" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = myMessage })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(otherMessage)).ToHaveCountAsync(0);

        // A reload keeps the session (the token is in this tab's sessionStorage, not in a cookie).
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = myMessage })).ToBeVisibleAsync();

        // Another application's objects, typed by hand under this portal, are simply not there.
        await page.GotoAsync($"/portal/{mine}/endpoints/{otherEndpoint}");
        await Assertions.Expect(page.GetByText("There is no such endpoint here.")).ToBeVisibleAsync();
        await page.GotoAsync($"/portal/{mine}/messages/{otherMessage}");
        await Assertions.Expect(page.GetByText("There is no such message here.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("globex-1")).ToHaveCountAsync(0);
        // And the other application's portal does not open with this application's token.
        await page.GotoAsync($"/portal/{other}/endpoints");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link has expired or is not valid" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Globex's receiver")).ToHaveCountAsync(0);

        // Opening my own endpoint still works in the same tab.
        await page.GotoAsync($"/portal/{mine}/endpoints/{myEndpoint}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = receiver.Url("/acme") })).ToBeVisibleAsync();
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task Portal_CreateEndpointAndRotateSecret_ChangesAreSeenThroughTheApi()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var app = await fixture.CreateAppAsync("Portal endpoint editing");
        await fixture.PostAsync("/api/v1/event-type", new { name = $"order.created.{app[^6..]}", description = "An order was placed" });
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync(await fixture.PortalUrlAsync(app));

        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        await page.GetByLabel("URL").FillAsync(receiver.Url("/orders"));
        await page.GetByLabel("Description").FillAsync("Orders service");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = $"order.created.{app[^6..]}" }).CheckAsync();
        await page.GetByLabel("Rate limit").FillAsync("25");
        await page.GetByLabel("Custom headers").FillAsync("X-Team: orders");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create endpoint" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = receiver.Url("/orders") })).ToBeVisibleAsync();
        var endpoints = await fixture.GetAsync($"/api/v1/app/{app}/endpoint");
        var created = Assert.Single(endpoints.GetProperty("data").EnumerateArray());
        var endpointId = created.GetProperty("id").GetString()!;
        Assert.Equal("Orders service", created.GetProperty("description").GetString());
        Assert.Equal(25, created.GetProperty("throttleRate").GetInt32());
        Assert.Equal($"order.created.{app[^6..]}", Assert.Single(created.GetProperty("filterTypes").EnumerateArray()).GetString());
        Assert.Equal("orders", (await fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpointId}/headers")).GetProperty("headers").GetProperty("X-Team").GetString());

        // Show the secret, rotate it, and see the new one both on the page and through the API.
        var before = (await fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpointId}/secret")).GetProperty("key").GetString()!;
        await page.GetByRole(AriaRole.Button, new() { Name = "Show secret" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Signing secret")).ToHaveTextAsync(before);
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Signing secret")).Not.ToHaveTextAsync(before);
        var after = (await fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpointId}/secret")).GetProperty("key").GetString()!;
        Assert.NotEqual(before, after);
        await Assertions.Expect(page.GetByLabel("Signing secret")).ToHaveTextAsync(after);

        // Disable, then edit: the API sees both.
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable endpoint" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Enable endpoint" })).ToBeVisibleAsync();
        Assert.True((await fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpointId}")).GetProperty("disabled").GetBoolean());
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit endpoint" }).ClickAsync();
        await page.GetByLabel("Description").FillAsync("Orders service v2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Orders service v2")).ToBeVisibleAsync();
        Assert.Equal("Orders service v2", (await fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpointId}")).GetProperty("description").GetString());

        // An SSRF target is refused with the API's reason, shown in the form.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit endpoint" }).ClickAsync();
        await page.GetByLabel("URL").FillAsync("http://169.254.169.254/latest/meta-data");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Assertions.Expect(page.GetByText("AllowedNetworks")).ToBeVisibleAsync();
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task Portal_FailingDelivery_ShowsAttemptsWithErrors_ThenResendSucceedsOnceTheReceiverIsUp()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var healthy = false;
        receiver.On("/flaky", async (context, _) =>
        {
            context.Response.StatusCode = healthy ? 200 : 503;
            await context.Response.WriteAsync(healthy ? "thanks" : "{\"error\":\"down for maintenance\"}");
        });
        var app = await fixture.CreateAppAsync("Portal resend");
        var endpoint = await fixture.CreateEndpointAsync(app, receiver.Url("/flaky"));
        var closedPort = ServerProcess.FreePort();
        await fixture.CreateEndpointAsync(app, $"http://127.0.0.1:{closedPort}/nobody-listens");
        var message = await fixture.SendMessageAsync(app, "invoice.paid", new { invoice = "resend-1" });
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync(await fixture.PortalUrlAsync(app));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Endpoints" })).ToBeVisibleAsync();

        await page.GotoAsync($"/portal/{app}/messages/{message}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "invoice.paid" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Payload")).ToContainTextAsync("\"invoice\": \"resend-1\"");

        // The retry schedule here is 1 s, 1 s, 1 s: wait until the attempts are on the page.
        var attempts = page.GetByRole(AriaRole.Table, new() { Name = "Attempts" });
        await Eventually.HoldsAsync(async () =>
        {
            await page.ReloadAsync();
            return await attempts.GetByText("503").CountAsync() >= 2 && await attempts.GetByText("No response").CountAsync() >= 1;
        }, TimeSpan.FromSeconds(30), "attempts with 503 and a connection failure on the page");
        await Assertions.Expect(attempts.GetByText("Connection refused").First).ToBeVisibleAsync();
        // The rows' order between the two endpoints is the engine's timing: open a 503's body, not whichever is first.
        var answered = attempts.GetByRole(AriaRole.Row).Filter(new() { HasText = "503" }).First;
        await answered.GetByText("Response body").ClickAsync();
        await Assertions.Expect(answered.GetByText("down for maintenance")).ToBeVisibleAsync();

        healthy = true;
        await page.GetByRole(AriaRole.Button, new() { Name = $"Resend to {receiver.Url("/flaky")}" }).ClickAsync();

        await Eventually.HoldsAsync(async () =>
            (await fixture.GetAsync($"/api/v1/app/{app}/msg/{message}/endpoint")).GetProperty("data").EnumerateArray()
                .Any(d => d.GetProperty("id").GetString() == endpoint && d.GetProperty("status").GetInt32() == 0),
            TimeSpan.FromSeconds(20), "the resent delivery succeeded");
        await Assertions.Expect(attempts.GetByText("200").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table).Filter(new() { HasText = "Next try" }).GetByText("Succeeded")).ToBeVisibleAsync();
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task PortalLink_Expired_ShowsAClearPage()
    {
        var app = await fixture.CreateAppAsync("Expired link");
        var link = await fixture.PortalUrlAsync(app, expirySeconds: 1);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await using var browser = await fixture.NewPageAsync();

        await browser.Page.GotoAsync(link);

        await Assertions.Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "This link has expired or is not valid" })).ToBeVisibleAsync();
        // A link without a token, and one with a token that never existed, say the same.
        await browser.Page.GotoAsync($"/portal/{app}#token=hk_app_nonsense");
        await browser.Page.ReloadAsync();
        await Assertions.Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "This link has expired or is not valid" })).ToBeVisibleAsync();
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task PortalLink_OldQueryForm_IsMovedToTheFragmentBeforeAnyPageRenders()
    {
        var app = await fixture.CreateAppAsync("Query link");
        var link = await fixture.PortalUrlAsync(app);
        var token = link[(link.IndexOf("#token=", StringComparison.Ordinal) + 7)..];
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.BaseAddress };

        using var response = await client.GetAsync(new Uri($"/portal/{app}?token={token}&theme=dark", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/portal/{app}?theme=dark#token={token}", response.Headers.Location!.OriginalString);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }
}
