using System.Net;
using System.Text.Json;
using Hookline.Server.Tasks;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Endpoints;

/// <summary>
/// Svix's replay-missing over real HTTP against a real receiver, on both stores: a background task
/// (<c>endpoint.replay</c>) that sends an endpoint the messages of a window it never got and would take now.
/// </summary>
public sealed class ReplayMissingTests
{
    private static Dictionary<string, string?> Settings() => new() { ["Hookline:Delivery:AllowPrivateNetworks"] = "true" };

    private static async Task<string> SendAsync(HttpClient client, string app, object message)
    {
        var id = (await client.PostJsonAsync($"/api/v1/app/{app}/msg", message).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        // Distinct creation milliseconds, so a window edge between two messages is unambiguous.
        await Task.Delay(15);
        return id;
    }

    /// <summary>Starts replay-missing, checks Svix's ReplayOut, and waits for the task to end; returns the finished task.</summary>
    private static async Task<JsonElement> ReplayAsync(HttpClient client, string app, string endpoint, object body)
    {
        var started = await client.PostJsonAsync($"/api/v1/app/{app}/endpoint/{endpoint}/replay-missing", body).ExpectAsync(HttpStatusCode.Accepted);
        Assert.StartsWith("qtask_", started.Str("id"), StringComparison.Ordinal);
        Assert.Equal("endpoint.replay", started.Str("task"));
        Assert.Equal("running", started.Str("status"));
        Assert.True(started.TryGetProperty("updatedAt", out _));
        var task = await ApiClientExtensions.EventuallyAsync(
            () => client.GetAtAsync($"/api/v1/background-task/{started.Str("id")}").ExpectAsync(HttpStatusCode.OK),
            t => t.Str("status") != "running", TimeSpan.FromSeconds(30));
        Assert.Equal("finished", task.Str("status"));
        Assert.Equal("endpoint.replay", task.Str("task"));
        return task;
    }

    private static int Sent(JsonElement task) => task.GetProperty("data").GetProperty("messagesSent").GetInt32();

    private static List<string> Got(TestReceiver receiver, string path) => receiver.At(path).Select(r => r.Headers["webhook-id"]).ToList();

    [SkippableTheory]
    [InlineData(StoreHost.Sqlite)]
    [InlineData(StoreHost.Postgres)]
    public async Task ReplayMissing_SendsOnlyMessagesTheEndpointNeverGotAndWouldTake(string store)
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await StoreHost.StartAsync(store, Settings());
        using var client = host.Host.CreateAdminClient();
        var app = HostFixture.Unique("replay");
        await client.PostJsonAsync("/api/v1/app", new { name = "Replay", uid = app }).ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = receiver.Url("/a") }).ExpectAsync(HttpStatusCode.Created);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);

        // Before endpoint B exists: two orders, a user event (B's filter refuses it) and an order whose payload is then expunged.
        var order1 = await SendAsync(client, app, new { eventType = "order.created", payload = new { n = 1 } });
        var order2 = await SendAsync(client, app, new { eventType = "order.created", payload = new { n = 2 } });
        var user = await SendAsync(client, app, new { eventType = "user.created", payload = new { n = 3 } });
        var expunged = await SendAsync(client, app, new { eventType = "order.created", payload = new { n = 4 } });
        await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(Got(receiver, "/a")), g => g.Count >= 4);
        await client.DeleteAtAsync($"/api/v1/app/{app}/msg/{expunged}/content").ExpectAsync(HttpStatusCode.NoContent);

        var b = (await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = receiver.Url("/b"), filterTypes = new[] { "order.created" } }).ExpectAsync(HttpStatusCode.Created)).Str("id");
        var order5 = await SendAsync(client, app, new { eventType = "order.created", payload = new { n = 5 } });
        await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(Got(receiver, "/b")), g => g.Contains(order5));

        var task = await ReplayAsync(client, app, b, new { since });
        Assert.Equal(2, Sent(task));
        var got = await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(Got(receiver, "/b")), g => g.Count >= 3);
        await Task.Delay(300);
        Assert.Equal(new[] { order1, order2, order5 }.Order(), Got(receiver, "/b").Order());
        Assert.DoesNotContain(user, got);
        // The endpoint that had everything got nothing twice.
        Assert.Equal(5, Got(receiver, "/a").Count);

        // Nothing is missing any more.
        Assert.Equal(0, Sent(await ReplayAsync(client, app, b, new { since })));

        // A window: a new endpoint C gets only what was created in [since, until).
        var c = (await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = receiver.Url("/c") }).ExpectAsync(HttpStatusCode.Created)).Str("id");
        var userCreated = (await client.GetAtAsync($"/api/v1/app/{app}/msg/{user}").ExpectAsync(HttpStatusCode.OK)).GetProperty("timestamp").GetDateTimeOffset();
        Assert.Equal(2, Sent(await ReplayAsync(client, app, c, new { since, until = userCreated })));
        await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(Got(receiver, "/c")), g => g.Count >= 2);
        Assert.Equal(new[] { order1, order2 }.Order(), Got(receiver, "/c").Order());

        // A disabled endpoint takes nothing (the same rule as fan-out).
        var d = (await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = receiver.Url("/d"), disabled = true }).ExpectAsync(HttpStatusCode.Created)).Str("id");
        Assert.Equal(0, Sent(await ReplayAsync(client, app, d, new { since })));

        // The task is listed with its type.
        var listed = await client.GetAtAsync("/api/v1/background-task?task=endpoint.replay").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(4, listed.GetProperty("data").GetArrayLength());
    }

    [SkippableTheory]
    [InlineData(StoreHost.Sqlite)]
    [InlineData(StoreHost.Postgres)]
    public async Task ReplayMissing_BadInput_Gets4xxWithAReason(string store)
    {
        await using var host = await StoreHost.StartAsync(store, Settings());
        using var client = host.Host.CreateAdminClient();
        var app = HostFixture.Unique("replay");
        await client.PostJsonAsync("/api/v1/app", new { name = "Replay", uid = app }).ExpectAsync(HttpStatusCode.Created);
        var ep = (await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = "http://127.0.0.1:9/" }).ExpectAsync(HttpStatusCode.Created)).Str("id");
        var path = $"/api/v1/app/{app}/endpoint/{ep}/replay-missing";

        await client.PostJsonAsync(path, new { }).ExpectValidationAsync("body", "since");
        var now = DateTimeOffset.UtcNow;
        await client.PostJsonAsync(path, new { since = now, until = now.AddHours(-1) }).ExpectValidationAsync("body", "until");
        var malformed = await client.PostJsonAsync(path, new { since = "yesterday" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("since", malformed.GetRawText(), StringComparison.Ordinal);
        await client.PostJsonAsync($"/api/v1/app/{app}/endpoint/ep_missing/replay-missing", new { since = now }).ExpectErrorAsync(HttpStatusCode.NotFound);
        await client.PostJsonAsync($"/api/v1/app/nope/endpoint/{ep}/replay-missing", new { since = now }).ExpectErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await client.GetAtAsync("/api/v1/background-task?task=endpoint.replay").ExpectAsync(HttpStatusCode.OK)).GetProperty("data").GetArrayLength());
    }

    /// <summary>More messages than one batch: every batch is walked and every missing message is sent once.</summary>
    [SkippableTheory]
    [InlineData(StoreHost.Sqlite)]
    [InlineData(StoreHost.Postgres)]
    public async Task ReplayMissing_WindowLargerThanABatch_SendsEveryMissingMessageOnce(string store)
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await StoreHost.StartAsync(store, Settings());
        using var client = host.Host.CreateAdminClient();
        var app = HostFixture.Unique("replay");
        await client.PostJsonAsync("/api/v1/app", new { name = "Replay", uid = app }).ExpectAsync(HttpStatusCode.Created);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);

        var count = BackgroundTaskWorker.ReplayBatchSize * 2 + 17;
        using var gate = new SemaphoreSlim(8);
        var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return (await client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "bulk", payload = new { i } }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
            }
            finally
            {
                gate.Release();
            }
        }));
        var ep = (await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = receiver.Url("/bulk") }).ExpectAsync(HttpStatusCode.Created)).Str("id");

        var task = await ReplayAsync(client, app, ep, new { since });
        Assert.Equal(count, Sent(task));
        await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(Got(receiver, "/bulk")), g => g.Count >= count, TimeSpan.FromSeconds(60));
        await Task.Delay(300);
        Assert.Equal(ids.Order(), Got(receiver, "/bulk").Order());
    }
}
