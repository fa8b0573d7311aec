using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hookline.Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Hookline.Console.Tests.Dashboard;

/// <summary>The dashboard used the way a new user uses it, from sign-in to an embedded portal.</summary>
public sealed class DashboardFlowTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [BrowserFact]
    public async Task NewUser_CreatesAppEndpointAndMessage_ResendsAfterFixingTheReceiver_EmbedsThePortal()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var up = false;
        receiver.On("/hooks", async (context, _) =>
        {
            context.Response.StatusCode = up ? 204 : 500;
            await context.Response.WriteAsync(up ? "" : "receiver crashed");
        });
        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await browser.SignInAsync(ConsoleFixture.AdminToken);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        // 1. An application.
        await page.GetByRole(AriaRole.Link, new() { Name = "Applications" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add application" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Walkthrough Inc");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create application" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Walkthrough Inc").First).ToBeVisibleAsync();
        var appId = page.Url.Split('/')[^1];
        Assert.StartsWith("app_", appId, StringComparison.Ordinal);

        // 2. An endpoint.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        await page.GetByLabel("URL").FillAsync(receiver.Url("/hooks"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Create endpoint" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = receiver.Url("/hooks") })).ToBeVisibleAsync();

        // 3. A message, sent from the Messages page; the receiver fails it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Messages" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send message" }).ClickAsync();
        // The form, not the filter below it (which has an "Event type" too and is there before the form renders).
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New message" });
        await form.GetByLabel("Event type").FillAsync("user.signed_up");
        await form.GetByLabel("Payload").FillAsync("{\"user\": \"ada\"}");
        await form.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        var messageLink = page.GetByRole(AriaRole.Table, new() { Name = "Messages" }).GetByRole(AriaRole.Link).First;
        await Assertions.Expect(messageLink).ToBeVisibleAsync();
        var messageId = await messageLink.TextContentAsync();
        await messageLink.ClickAsync();

        var attempts = page.GetByRole(AriaRole.Table, new() { Name = "Attempts" });
        await Eventually.HoldsAsync(async () =>
        {
            await page.ReloadAsync();
            return await attempts.GetByText("500").CountAsync() >= 1;
        }, TimeSpan.FromSeconds(30), "a failed attempt on the page");

        // 4. Fix the receiver and resend.
        up = true;
        await page.GetByRole(AriaRole.Button, new() { Name = $"Resend to {receiver.Url("/hooks")}" }).ClickAsync();
        await Assertions.Expect(attempts.GetByText("204").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        Assert.Contains(receiver.At("/hooks"), r => r.Headers.TryGetValue("webhook-id", out var id) && id == messageId);

        // 5. A portal link, embedded in a page on another port and site; the endpoint managed from inside.
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate portal link" }).ClickAsync();
        var portalUrl = (await page.GetByLabel("Portal link").TextContentAsync())!.Trim();
        Assert.Contains("#token=hk_app_", portalUrl, StringComparison.Ordinal);
        await using var site = await TestReceiver.StartAsync();
        site.On("/embed", (context, _) =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync($"<!DOCTYPE html><html lang=\"en\"><head><title>Customer</title><link rel=\"icon\" href=\"data:,\"></head><body><iframe id=\"portal\" title=\"Webhooks\" src=\"{portalUrl}\" style=\"width:100%;height:900px;border:0\"></iframe></body></html>");
        });
        var customer = await browser.Context.NewPageAsync();
        browser.Watch(customer);
        await customer.GotoAsync($"http://localhost:{site.BaseAddress.Port}/embed");
        var portal = customer.FrameLocator("#portal");
        await portal.GetByRole(AriaRole.Link, new() { Name = receiver.Url("/hooks") }).ClickAsync();
        await portal.GetByRole(AriaRole.Button, new() { Name = "Edit endpoint" }).ClickAsync();
        await portal.GetByLabel("Description").FillAsync("Managed from the iframe");
        await portal.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Assertions.Expect(portal.GetByText("Managed from the iframe").First).ToBeVisibleAsync();
        var endpoint = Assert.Single((await fixture.GetAsync($"/api/v1/app/{appId}/endpoint")).GetProperty("data").EnumerateArray());
        Assert.Equal("Managed from the iframe", endpoint.GetProperty("description").GetString());
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task IngestLog_ShowsRejectedRequestsWithTheReason_AndReplaysAcceptedOnes()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var source = await fixture.PostAsync("/ingest/api/v1/source", new { name = "Stripe test", type = "stripe", config = new { secret } });
        var sourceId = source.GetProperty("id").GetString()!;
        var ingestUrl = source.GetProperty("ingestUrl").GetString()!;
        await fixture.PostAsync($"/ingest/api/v1/source/{sourceId}/endpoint", new { url = receiver.Url("/stripe") });
        using var provider = new HttpClient();
        var body = "{\"id\":\"evt_ok\",\"type\":\"invoice.paid\"}";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        using (var good = new HttpRequestMessage(HttpMethod.Post, ingestUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") })
        {
            good.Headers.Add("Stripe-Signature", $"t={timestamp},v1={signature}");
            using var response = await provider.SendAsync(good);
            Assert.True(response.IsSuccessStatusCode);
        }
        using (var forged = new HttpRequestMessage(HttpMethod.Post, ingestUrl) { Content = new StringContent("{\"id\":\"evt_forged\"}", Encoding.UTF8, "application/json") })
        {
            forged.Headers.Add("Stripe-Signature", $"t={timestamp},v1={new string('0', 64)}");
            using var response = await provider.SendAsync(forged);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        }
        await Eventually.HoldsAsync(() => receiver.At("/stripe").Count() == 1, TimeSpan.FromSeconds(20), "the accepted request forwarded");

        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await browser.SignInAsync(ConsoleFixture.AdminToken);
        await page.GetByRole(AriaRole.Link, new() { Name = "Ingest sources" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Stripe test" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Ingest URL")).ToHaveTextAsync(ingestUrl);
        await page.GetByRole(AriaRole.Link, new() { Name = "Requests" }).ClickAsync();

        var log = page.GetByRole(AriaRole.Table, new() { Name = "Requests" });
        var rejected = log.GetByRole(AriaRole.Row).Filter(new() { HasText = "rejected" });
        await Assertions.Expect(rejected).ToHaveCountAsync(1);
        await Assertions.Expect(rejected).ToContainTextAsync("401");
        await Assertions.Expect(rejected).ToContainTextAsync("signature");
        var accepted = log.GetByRole(AriaRole.Row).Filter(new() { HasText = "accepted" });
        await accepted.GetByRole(AriaRole.Button, new() { NameRegex = new("^Replay request") }).ClickAsync();
        await Assertions.Expect(page.GetByText("Replayed to 1 endpoint(s).")).ToBeVisibleAsync();
        await Eventually.HoldsAsync(() => receiver.At("/stripe").Count() == 2, TimeSpan.FromSeconds(20), "the replay forwarded");
        browser.AssertNoConsoleErrors();
    }

    [BrowserFact]
    public async Task Recover_FailedMessagesSinceATime_ShowsProgressAndTheTask()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var up = false;
        receiver.On("/recover", (context, _) =>
        {
            context.Response.StatusCode = up ? 200 : 500;
            return Task.CompletedTask;
        });
        var app = await fixture.CreateAppAsync("Recover flow");
        var endpoint = await fixture.CreateEndpointAsync(app, receiver.Url("/recover"));
        for (var i = 0; i < 3; i++)
        {
            await fixture.SendMessageAsync(app, "order.shipped", new { order = i });
        }
        // The schedule here is 1 s, 1 s, 1 s: four tries and the deliveries are failed for good.
        await Eventually.HoldsAsync(async () =>
            (await fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpoint}/stats")).GetProperty("fail").GetInt64() == 3,
            TimeSpan.FromSeconds(40), "three failed deliveries");
        up = true;

        await using var browser = await fixture.NewPageAsync();
        var page = browser.Page;
        await browser.SignInAsync(ConsoleFixture.AdminToken);
        await page.GotoAsync($"/apps/{app}/endpoints/{endpoint}");
        await page.GetByLabel("Since (UTC)").FillAsync(DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Recover", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Recovery finished" })).ToContainTextAsync("3 message(s) queued again", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByText("Redelivered 3 of 3")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        Assert.Equal(3, (await fixture.GetAsync($"/api/v1/app/{app}/endpoint/{endpoint}/stats")).GetProperty("success").GetInt64());

        await page.GetByRole(AriaRole.Link, new() { Name = "Background tasks" }).ClickAsync();
        var task = page.GetByRole(AriaRole.Table, new() { Name = "Background tasks" }).GetByRole(AriaRole.Row).Filter(new() { HasText = endpoint });
        await Assertions.Expect(task).ToContainTextAsync("finished");
        await Assertions.Expect(task).ToContainTextAsync("3 message(s) queued again");
        browser.AssertNoConsoleErrors();
    }
}
