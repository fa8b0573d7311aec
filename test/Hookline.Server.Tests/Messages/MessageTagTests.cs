using System.Net;
using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Messages;

/// <summary>Svix message tags over real HTTP, on both stores: stored, returned, validated, and filterable on every list Svix filters by tag.</summary>
public sealed class MessageTagTests
{
    private static List<string> Ids(JsonElement page) =>
        page.GetProperty("data").EnumerateArray().Select(m => m.Str("id")).ToList();

    private static List<string> MsgIds(JsonElement page) =>
        page.GetProperty("data").EnumerateArray().Select(m => m.Str("msgId")).ToList();

    private static List<string> Tags(JsonElement message) =>
        message.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array ? tags.EnumerateArray().Select(t => t.GetString()!).ToList() : [];

    [SkippableTheory]
    [InlineData(StoreHost.Sqlite)]
    [InlineData(StoreHost.Postgres)]
    public async Task Tags_AreStoredReturnedAndFilterMessagesAndAttempts(string store)
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var host = await StoreHost.StartAsync(store, new Dictionary<string, string?> { ["Hookline:Delivery:AllowPrivateNetworks"] = "true" });
        using var client = host.Host.CreateAdminClient();
        var app = HostFixture.Unique("tags");
        await client.PostJsonAsync("/api/v1/app", new { name = "Tags", uid = app }).ExpectAsync(HttpStatusCode.Created);
        var ep = (await client.PostJsonAsync($"/api/v1/app/{app}/endpoint", new { url = receiver.Url("/tags") }).ExpectAsync(HttpStatusCode.Created)).Str("id");

        var m1 = await client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "order.paid", payload = new { n = 1 }, tags = new[] { "user_1", "order.9" }, channels = new[] { "eu" } }).ExpectAsync(HttpStatusCode.Accepted);
        var m2 = (await client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "order.paid", payload = new { n = 2 }, tags = new[] { "order.9" } }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        var m3 = (await client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "order.paid", payload = new { n = 3 } }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        var m4 = (await client.PostJsonAsync($"/api/v1/app/{app}/msg", new { eventType = "order.paid", payload = new { n = 4 }, tags = new[] { "user_1" }, channels = new[] { "us" } }).ExpectAsync(HttpStatusCode.Accepted)).Str("id");
        var id1 = m1.Str("id");

        // Returned on create, on get and in lists; a message without tags has none.
        Assert.Equal(["user_1", "order.9"], Tags(m1));
        Assert.Equal(["user_1", "order.9"], Tags(await client.GetAtAsync($"/api/v1/app/{app}/msg/{id1}").ExpectAsync(HttpStatusCode.OK)));
        Assert.Empty(Tags(await client.GetAtAsync($"/api/v1/app/{app}/msg/{m3}").ExpectAsync(HttpStatusCode.OK)));

        // The message list, newest first, paged within the tag, with the other filters on top.
        Assert.Equal([m4, id1], Ids(await client.GetAtAsync($"/api/v1/app/{app}/msg?tag=user_1").ExpectAsync(HttpStatusCode.OK)));
        Assert.Equal([m2, id1], Ids(await client.GetAtAsync($"/api/v1/app/{app}/msg?tag=order.9").ExpectAsync(HttpStatusCode.OK)));
        Assert.Empty(Ids(await client.GetAtAsync($"/api/v1/app/{app}/msg?tag=nobody").ExpectAsync(HttpStatusCode.OK)));
        Assert.Equal([id1], Ids(await client.GetAtAsync($"/api/v1/app/{app}/msg?tag=user_1&channel=eu").ExpectAsync(HttpStatusCode.OK)));
        var first = await client.GetAtAsync($"/api/v1/app/{app}/msg?tag=user_1&limit=1").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([m4], Ids(first));
        Assert.False(first.GetProperty("done").GetBoolean());
        var second = await client.GetAtAsync($"/api/v1/app/{app}/msg?tag=user_1&limit=1&iterator={first.Str("iterator")}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([id1], Ids(second));
        Assert.Equal(["user_1", "order.9"], Tags(second.GetProperty("data")[0]));

        // Attempt lists (by endpoint, by message) and the endpoint's attempted messages take tag too.
        await ApiClientExtensions.EventuallyAsync(
            () => client.GetAtAsync($"/api/v1/app/{app}/attempt/endpoint/{ep}").ExpectAsync(HttpStatusCode.OK), p => MsgIds(p).Count >= 4);
        // Attempts are listed by when they were made, and an endpoint sends several at once, so m1's
        // attempt may come after m2's: the set is what the tag decides.
        Assert.Equal(new[] { m2, id1 }.Order(), MsgIds(await client.GetAtAsync($"/api/v1/app/{app}/attempt/endpoint/{ep}?tag=order.9").ExpectAsync(HttpStatusCode.OK)).Order());
        Assert.Equal([id1], MsgIds(await client.GetAtAsync($"/api/v1/app/{app}/attempt/msg/{id1}?tag=user_1").ExpectAsync(HttpStatusCode.OK)));
        Assert.Empty(MsgIds(await client.GetAtAsync($"/api/v1/app/{app}/attempt/msg/{m3}?tag=user_1").ExpectAsync(HttpStatusCode.OK)));
        var attempted = await client.GetAtAsync($"/api/v1/app/{app}/endpoint/{ep}/msg?tag=user_1").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([m4, id1], Ids(attempted));
        Assert.Equal(["user_1"], Tags(attempted.GetProperty("data")[0]));

        // Delivery is not affected: every message reached the endpoint.
        Assert.Equal(4, receiver.At("/tags").Select(r => r.Headers["webhook-id"]).Distinct().Count());
    }

    [SkippableTheory]
    [InlineData(StoreHost.Sqlite)]
    [InlineData(StoreHost.Postgres)]
    public async Task Tags_Invalid_Get422WithTheReason(string store)
    {
        await using var host = await StoreHost.StartAsync(store);
        using var client = host.Host.CreateAdminClient();
        var app = HostFixture.Unique("tags");
        await client.PostJsonAsync("/api/v1/app", new { name = "Tags", uid = app }).ExpectAsync(HttpStatusCode.Created);
        object Message(object tags) => new { eventType = "a", payload = new { }, tags };

        var tooMany = await client.PostJsonAsync($"/api/v1/app/{app}/msg", Message(new[] { "a", "b", "c", "d", "e", "f" })).ExpectValidationAsync("body", "tags");
        Assert.Contains("at most 5 items", tooMany.GetRawText(), StringComparison.Ordinal);
        await client.PostJsonAsync($"/api/v1/app/{app}/msg", Message(Array.Empty<string>())).ExpectValidationAsync("body", "tags");
        var pattern = await client.PostJsonAsync($"/api/v1/app/{app}/msg", Message(new[] { "ok", "not ok!" })).ExpectValidationAsync("body", "tags", "1");
        Assert.Contains("regex", pattern.GetRawText(), StringComparison.Ordinal);
        await client.PostJsonAsync($"/api/v1/app/{app}/msg", Message(new[] { new string('t', 129) })).ExpectValidationAsync("body", "tags", "0");
        await client.PostJsonAsync($"/api/v1/app/{app}/msg", Message(new[] { "same", "same" })).ExpectValidationAsync("body", "tags");
        await client.PostJsonAsync($"/api/v1/app/{app}/msg", Message(new string?[] { null })).ExpectValidationAsync("body", "tags", "0");
        await client.GetAtAsync($"/api/v1/app/{app}/msg?tag=not%20ok").ExpectValidationAsync("query", "tag");

        // The limits themselves are accepted, and nothing refused was stored.
        var edge = await client.PostJsonAsync($"/api/v1/app/{app}/msg", Message(new[] { "a", "b", "c", "d", new string('t', 128) })).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(5, Tags(edge).Count);
        Assert.Equal([edge.Str("id")], Ids(await client.GetAtAsync($"/api/v1/app/{app}/msg").ExpectAsync(HttpStatusCode.OK)));
    }
}
