using System.Text.Json;
using Hookline.Console.Tests.Infrastructure;

namespace Hookline.Console.Tests.Dashboard;

/// <summary>
/// Every main page of the dashboard and of the portal, with data on it: each renders its heading,
/// passes axe with no critical or serious violation, logs no console error, and is photographed for
/// docs/console.md.
/// </summary>
public sealed class TourTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [BrowserFact]
    public async Task EveryMainPage_HasNoSeriousAccessibilityViolationsOrConsoleErrors()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.OnStatus("/broken", 500);
        var eventType = "invoice.paid";
        await fixture.PostAsync("/api/v1/event-type", new
        {
            name = eventType,
            description = "An invoice was paid in full.",
            schemas = new Dictionary<string, object>
            {
                ["1"] = new { type = "object", properties = new { invoice = new { type = "string" }, amount = new { type = "integer" } }, examples = new[] { new { invoice = "in_123", amount = 4200 } } },
            },
        });
        var app = await fixture.CreateAppAsync("Acme Corp");
        var endpoint = await fixture.CreateEndpointAsync(app, receiver.Url("/webhooks"), "Production receiver");
        await fixture.CreateEndpointAsync(app, receiver.Url("/broken"), "Staging receiver");
        string message = "";
        for (var i = 0; i < 5; i++)
        {
            message = await fixture.SendMessageAsync(app, eventType, new { invoice = $"in_{i}", amount = 1000 + i });
        }
        var source = (await fixture.PostAsync("/ingest/api/v1/source", new { name = "Stripe (live)", type = "stripe", config = new { secret = "whsec_" + Convert.ToBase64String(new byte[24]) } })).GetProperty("id").GetString()!;
        using (var ingest = new HttpClient())
        {
            var ingestUrl = (await fixture.GetAsync($"/ingest/api/v1/source/{source}")).GetProperty("ingestUrl").GetString()!;
            using var _ = await ingest.PostAsync(new Uri(ingestUrl), new StringContent("{\"id\":\"evt_1\"}"));
        }
        await fixture.PostAsync("/api/v1/operational-webhook/endpoint", new { url = receiver.Url("/ops"), description = "Pager" });
        await fixture.PostAsync($"/api/v1/app/{app}/endpoint/{endpoint}/recover", new { since = DateTimeOffset.UtcNow.AddHours(-1) });
        await Eventually.HoldsAsync(async () =>
            (await fixture.GetAsync($"/api/v1/app/{app}/attempt/endpoint/{endpoint}")).GetProperty("data").GetArrayLength() >= 5,
            TimeSpan.FromSeconds(30), "the messages were delivered");

        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await browser.SignInAsync(ConsoleFixture.AdminToken);
        var violations = new List<string>();

        async Task VisitAsync(string path, string heading, string? screenshot = null)
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true }).First).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            violations.AddRange(await Accessibility.SeriousViolationsAsync(page));
            if (screenshot is not null)
            {
                await Screenshots.TakeAsync(page, screenshot);
            }
        }

        await VisitAsync("/login", "Hookline", "console-login");
        await VisitAsync("/", "Overview", "console-overview");
        await VisitAsync("/apps", "Applications");
        await VisitAsync($"/apps/{app}", "Endpoints");
        await VisitAsync($"/apps/{app}/endpoints/{endpoint}", receiver.Url("/webhooks"), "console-endpoint");
        await VisitAsync($"/apps/{app}/messages", "Messages");
        await VisitAsync($"/apps/{app}/messages/{message}", eventType, "console-message");
        await VisitAsync($"/apps/{app}/event-types", "Event catalog");
        await VisitAsync("/event-types", "Event types");
        await VisitAsync("/sources", "Ingest sources");
        await VisitAsync($"/sources/{source}/requests", "Requests", "console-source-requests");
        await VisitAsync("/operational-webhooks", "Operational webhooks");
        await VisitAsync("/tasks", "Background tasks");

        var link = await fixture.PortalUrlAsync(app);
        await page.GotoAsync(link);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Endpoints" })).ToBeVisibleAsync();
        await VisitAsync($"/portal/{app}/endpoints", "Endpoints", "portal-endpoints");
        await VisitAsync($"/portal/{app}/messages", "Messages");
        await VisitAsync($"/portal/{app}/event-types", "Event catalog");
        await page.GotoAsync(link + "&theme=dark&primaryColor=%23ffb74d");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Endpoints" })).ToBeVisibleAsync();
        await VisitAsync($"/portal/{app}/endpoints/{endpoint}", receiver.Url("/webhooks"), "portal-endpoint-dark");

        Assert.True(violations.Count == 0, "axe found critical or serious violations:\n" + string.Join('\n', violations));
        browser.AssertNoConsoleErrors();
    }
}
