using Hookline.Console.Tests.Infrastructure;

namespace Hookline.Console.Tests.Portal;

public sealed class MessageLogTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [BrowserFact]
    public async Task MessageLog_FiltersAndCursorPages_ShowTheRightMessages()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.OnStatus("/fails", 500);
        var app = await fixture.CreateAppAsync("Message log");
        await fixture.CreateEndpointAsync(app, receiver.Url("/ok"));
        var ids = new List<string>();
        for (var i = 0; i < 55; i++)
        {
            ids.Add(await fixture.SendMessageAsync(app, i % 5 == 0 ? "order.refunded" : "order.created", new { n = i }));
        }
        var failing = await fixture.CreateEndpointAsync(app, receiver.Url("/fails"));
        var failed = (await fixture.PostAsync($"/api/v1/app/{app}/msg", new { eventType = "order.created", payload = new { n = "doomed" }, channels = new[] { "eu" } })).GetProperty("id").GetString()!;
        await Eventually.HoldsAsync(async () =>
            (await fixture.GetAsync($"/api/v1/app/{app}/msg?status=2")).GetProperty("data").GetArrayLength() == 1,
            TimeSpan.FromSeconds(30), "the doomed message failed for good");
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync(await fixture.PortalUrlAsync(app));
        await page.GetByRole(AriaRole.Link, new() { Name = "Messages" }).ClickAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Messages" });
        var rows = table.Locator("tbody tr");

        // Newest first, 50 to a page; "Older" follows the cursor, "Newer" comes back.
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await Assertions.Expect(rows.First).ToContainTextAsync(failed);
        await page.GetByRole(AriaRole.Button, new() { Name = "Older" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(6);
        await Assertions.Expect(rows.Last).ToContainTextAsync(ids[0]);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Older" })).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Newer" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(50);

        await page.GetByLabel("Event type").FillAsync("order.refunded");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(11);
        await Assertions.Expect(table.GetByText("order.created")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await page.GetByLabel("Status").SelectOptionAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(failed);

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await page.GetByLabel("Channel").FillAsync("eu");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await page.GetByLabel("Until (UTC)").FillAsync(DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(table.GetByText("No messages match.")).ToBeVisibleAsync();
        _ = failing;
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task SendExample_UsesTheSchemaExample_AndTheAttemptShowsUp()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var app = await fixture.CreateAppAsync("Send example");
        var type = $"shipment.sent.{app[^6..]}";
        await fixture.PostAsync("/api/v1/event-type", new
        {
            name = type,
            description = "A shipment left the warehouse.",
            schemas = new Dictionary<string, object> { ["1"] = new { type = "object", examples = new[] { new { shipment = "shp_example", carrier = "DHL" } } } },
        });
        var endpoint = await fixture.CreateEndpointAsync(app, receiver.Url("/example"));
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync(await fixture.PortalUrlAsync(app));
        await page.GetByRole(AriaRole.Link, new() { Name = receiver.Url("/example") }).ClickAsync();

        await page.GetByLabel("Event type").SelectOptionAsync(type);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send example" }).ClickAsync();

        await Eventually.HoldsAsync(() => receiver.At("/example").Any(), TimeSpan.FromSeconds(20), "the example arrived");
        var body = System.Text.Encoding.UTF8.GetString(receiver.At("/example").Single().Body);
        Assert.Contains("shp_example", body, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Attempts" }).GetByText("200").First).ToBeVisibleAsync();

        // The event catalog shows the type with its description and example.
        await page.GetByRole(AriaRole.Link, new() { Name = "Event catalog" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = type })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("A shipment left the warehouse.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("\"shipment\": \"shp_example\"").Last).ToBeVisibleAsync();
        _ = endpoint;
        browser.AssertNoConsoleErrors();
    }
}
