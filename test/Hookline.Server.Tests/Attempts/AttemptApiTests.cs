using System.Net;
using System.Text;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Attempts;

/// <summary>Attempts, destinations, resend, recover and send-example, against a real receiver.</summary>
public sealed class AttemptApiTests : IAsyncLifetime
{
    private HooklineHost _host = null!;
    private TestReceiver _receiver = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _host = await HooklineHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            // One quick retry, then the delivery fails (so recovery has something to recover).
            ["Hookline:Delivery:RetrySchedule"] = "100ms",
        });
        _client = _host.CreateAdminClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<(string App, string Endpoint)> SetUpAsync(string path)
    {
        var app = HostFixture.Unique("app");
        await _client.PostJsonAsync("/api/v1/app", new { name = "App", uid = app }).ExpectAsync(HttpStatusCode.Created);
        var ep = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = _receiver.Url(path), uid = "recv" }).ExpectAsync(HttpStatusCode.Created);
        return (app, ep.Str("id"));
    }

    private Task<JsonElement> AttemptsAsync(string path, Func<JsonElement, bool> until) =>
        ApiClientExtensions.EventuallyAsync(() => _client.GetAtAsync(path).ExpectAsync(HttpStatusCode.OK), until);

    private static int Count(JsonElement page) => page.GetProperty("data").GetArrayLength();

    [Fact]
    public async Task DeliverAt_IsPendingUntilItsTimeThenDelivered_APastTimeDeliversAtOnce()
    {
        var (app, _) = await SetUpAsync("/scheduled");
        var deliverAt = DateTimeOffset.UtcNow.AddSeconds(3);

        var scheduled = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { n = 1 }, deliverAt }).ExpectAsync(HttpStatusCode.Accepted);
        var past = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { n = 2 }, deliverAt = DateTimeOffset.UtcNow.AddHours(-1) }).ExpectAsync(HttpStatusCode.Accepted);

        // The past one goes at once; the scheduled one waits as pending, then goes when due.
        await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(_receiver.At("/scheduled").ToList()), r => r.Count >= 1);
        Assert.Equal(past.Str("id"), _receiver.At("/scheduled").First().Headers["webhook-id"]);
        var pending = await _client.GetAtAsync($"/api/v1/app/{app}/msg/{scheduled.Str("id")}/endpoint").ExpectAsync(HttpStatusCode.OK);
        if (DateTimeOffset.UtcNow < deliverAt - TimeSpan.FromMilliseconds(500))
        {
            Assert.Equal("pending", pending.GetProperty("data")[0].Str("statusText"));
        }
        await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(_receiver.At("/scheduled").ToList()), r => r.Count >= 2, TimeSpan.FromSeconds(20));
        var sent = _receiver.At("/scheduled").Single(r => r.Headers["webhook-id"] == scheduled.Str("id"));
        Assert.True(sent.At >= deliverAt - TimeSpan.FromMilliseconds(50), $"sent at {sent.At:O}, scheduled for {deliverAt:O}");
        await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { }, deliverAt = DateTimeOffset.UtcNow.AddHours(25) })
            .ExpectValidationAsync("body", "deliverAt");
    }

    [Fact]
    public async Task Delivered_Message_IsListedByEndpointMessageAndDestination()
    {
        var (app, endpointId) = await SetUpAsync("/ok");
        var msg = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "user.signup", payload = new { id = 7 }, eventId = "e-1" })
            .ExpectAsync(HttpStatusCode.Accepted);
        var msgId = msg.Str("id");

        var byEndpoint = await AttemptsAsync($"/api/v1/app/{app}/attempt/endpoint/recv", p => Count(p) > 0);
        var attempt = Assert.Single(byEndpoint.GetProperty("data").EnumerateArray());
        Assert.StartsWith("atmpt_", attempt.Str("id"), StringComparison.Ordinal);
        Assert.Equal(msgId, attempt.Str("msgId"));
        Assert.Equal(endpointId, attempt.Str("endpointId"));
        Assert.Equal(_receiver.Url("/ok"), attempt.Str("url"));
        Assert.Equal(200, attempt.GetProperty("responseStatusCode").GetInt32());
        Assert.Equal(0, attempt.GetProperty("status").GetInt32());
        Assert.Equal("success", attempt.Str("statusText"));
        Assert.Equal(0, attempt.GetProperty("triggerType").GetInt32());

        var received = Assert.Single(_receiver.At("/ok"));
        Assert.Equal(msgId, received.Headers["webhook-id"]);
        Assert.Equal("{\"id\":7}", Encoding.UTF8.GetString(received.Body));

        var byMessage = await _client.GetAtAsync($"/api/v1/app/{app}/attempt/msg/e-1").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(attempt.Str("id"), byMessage.GetProperty("data")[0].Str("id"));
        var filtered = await _client.GetAtAsync($"/api/v1/app/{app}/attempt/msg/e-1?endpoint_id=recv&status=0&status_code_class=200").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, Count(filtered));
        Assert.Equal(0, Count(await _client.GetAtAsync($"/api/v1/app/{app}/attempt/msg/e-1?status=2").ExpectAsync(HttpStatusCode.OK)));
        Assert.Equal(0, Count(await _client.GetAtAsync($"/api/v1/app/{app}/attempt/endpoint/recv?status_code_class=500").ExpectAsync(HttpStatusCode.OK)));
        await _client.GetAtAsync($"/api/v1/app/{app}/attempt/msg/e-1?status=9").ExpectValidationAsync("query", "status");
        await _client.GetAtAsync($"/api/v1/app/{app}/attempt/msg/e-1?status_code_class=250").ExpectValidationAsync("query", "status_code_class");

        var one = await _client.GetAtAsync($"/api/v1/app/{app}/msg/{msgId}/attempt/{attempt.Str("id")}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(attempt.Str("id"), one.Str("id"));

        var destinations = await _client.GetAtAsync($"/api/v1/app/{app}/msg/{msgId}/endpoint").ExpectAsync(HttpStatusCode.OK);
        var destination = Assert.Single(destinations.GetProperty("data").EnumerateArray());
        Assert.Equal(endpointId, destination.Str("id"));
        Assert.Equal("success", destination.Str("statusText"));

        var endpointMessages = await _client.GetAtAsync($"/api/v1/app/{app}/endpoint/recv/msg").ExpectAsync(HttpStatusCode.OK);
        var sent = Assert.Single(endpointMessages.GetProperty("data").EnumerateArray());
        Assert.Equal(msgId, sent.Str("id"));
        Assert.Equal(7, sent.GetProperty("payload").GetProperty("id").GetInt32());
        Assert.Equal(0, sent.GetProperty("status").GetInt32());

        await _client.DeleteAtAsync($"/api/v1/app/{app}/msg/{msgId}/attempt/{attempt.Str("id")}/content").ExpectAsync(HttpStatusCode.NoContent);
        await _client.GetAtAsync($"/api/v1/app/{app}/msg/{msgId}/attempt/atmpt_nope").ExpectErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Resend_QueuesAManualAttempt()
    {
        var (app, _) = await SetUpAsync("/resend");
        var msg = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { } }).ExpectAsync(HttpStatusCode.Accepted);
        await AttemptsAsync($"/api/v1/app/{app}/attempt/endpoint/recv", p => Count(p) == 1);

        var accepted = await _client.PostJsonAsync($"/api/v1/app/{app}/msg/{msg.Str("id")}/endpoint/recv/resend", null).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(JsonValueKind.Object, accepted.ValueKind);

        var page = await AttemptsAsync($"/api/v1/app/{app}/attempt/endpoint/recv", p => Count(p) == 2);
        Assert.Equal(2, Count(page));
        Assert.Contains(page.GetProperty("data").EnumerateArray(), a => a.GetProperty("triggerType").GetInt32() == 1);
        Assert.Equal(2, _receiver.At("/resend").Count());
        await _client.PostJsonAsync($"/api/v1/app/{app}/msg/{msg.Str("id")}/endpoint/nope/resend", null).ExpectErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Recover_FailedDeliveries_AreSentAgainByABackgroundTask()
    {
        _receiver.OnStatus("/flaky", 500);
        var (app, _) = await SetUpAsync("/flaky");
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var msg = await _client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "a", payload = new { } }).ExpectAsync(HttpStatusCode.Accepted);
        await ApiClientExtensions.EventuallyAsync(
            () => _client.GetAtAsync($"/api/v1/app/{app}/msg/{msg.Str("id")}/endpoint").ExpectAsync(HttpStatusCode.OK),
            p => p.GetProperty("data")[0].Str("statusText") == "fail");
        _receiver.OnStatus("/flaky", 200);

        var task = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint/recv/recover", new { since }).ExpectAsync(HttpStatusCode.Accepted);

        Assert.StartsWith("qtask_", task.Str("id"), StringComparison.Ordinal);
        Assert.Equal("running", task.Str("status"));
        Assert.Equal("endpoint.recover", task.Str("task"));
        var finished = await ApiClientExtensions.EventuallyAsync(
            () => _client.GetAtAsync($"/api/v1/background-task/{task.Str("id")}").ExpectAsync(HttpStatusCode.OK),
            t => t.Str("status") != "running");
        Assert.Equal("finished", finished.Str("status"));
        Assert.Equal(1, finished.GetProperty("data").GetProperty("recovered").GetInt32());
        var destination = await ApiClientExtensions.EventuallyAsync(
            () => _client.GetAtAsync($"/api/v1/app/{app}/msg/{msg.Str("id")}/endpoint").ExpectAsync(HttpStatusCode.OK),
            p => p.GetProperty("data")[0].Str("statusText") == "success");
        Assert.Equal("success", destination.GetProperty("data")[0].Str("statusText"));
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint/recv/recover", new { }).ExpectValidationAsync("body", "since");
    }

    [Fact]
    public async Task SendExample_UsesTheSchemaExampleAndOnlyThisEndpoint()
    {
        var (app, _) = await SetUpAsync("/example");
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = _receiver.Url("/other") }).ExpectAsync(HttpStatusCode.Created);
        var type = HostFixture.Unique("invoice.paid");
        await _client.PostJsonAsync("/api/v1/event-type", new
        {
            name = type,
            description = "Invoice paid",
            schemas = new Dictionary<string, object> { ["1"] = new { type = "object", examples = new[] { new { invoice = "inv_1", amount = 42 } } } },
        }).ExpectAsync(HttpStatusCode.Created);

        var msg = await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint/recv/send-example", new { eventType = type }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(type, msg.Str("eventType"));
        Assert.Equal("inv_1", msg.GetProperty("payload").Str("invoice"));
        var received = await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(_receiver.At("/example").ToList()), r => r.Count > 0);
        Assert.Equal("{\"invoice\":\"inv_1\",\"amount\":42}", Encoding.UTF8.GetString(Assert.Single(received).Body));
        await Task.Delay(300);
        Assert.Empty(_receiver.At("/other"));
        await _client.PostJsonAsync($"/api/v1/app/{app}/endpoint/recv/send-example", new { eventType = "no.such.type" }).ExpectErrorAsync(HttpStatusCode.NotFound);
    }
}
