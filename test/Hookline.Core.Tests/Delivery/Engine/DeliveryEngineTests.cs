using System.Text;
using Hookline.Core.Model;
using Hookline.Core.Operational;
using Hookline.Core.Storage;
using Hookline.Signatures;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Core.Tests.Delivery.Engine;

public sealed class DeliveryEngineTests
{
    private static VerificationResult Verify(ReceivedRequest request, string secret)
    {
        using var key = StandardWebhookSecret.Parse(secret);
        var verifier = new StandardWebhookVerifier(key);
        return verifier.Verify(new WebhookRequest(new WebhookHeaders(request.Headers), request.Body));
    }

    [Fact]
    public async Task Send_ToEndpoint_ArrivesSignedWithExactBytesAndIsRecorded()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/hook"), e => e with { Headers = new Dictionary<string, string> { ["X-Custom"] = "yes" } });
        const string payload = "{ \"b\" : 1,\"a\":[true, null] }";

        var created = await engine.SendAsync(app, "user.created", payload);
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1);

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(payload, Encoding.UTF8.GetString(request.Body));
        Assert.Equal(created.Message.Id, request.Headers["webhook-id"]);
        Assert.Equal("yes", request.Headers["x-custom"]);
        Assert.StartsWith("Hookline/", request.Headers["user-agent"], StringComparison.Ordinal);
        Assert.True(Verify(request, endpoint.CurrentSecret).IsValid);
        await Eventually.HoldsAsync(async () =>
            (await engine.Store.ListAttemptsByMessageAsync(app.Id, created.Message.Id, new AttemptFilter(), new ListQuery(), CancellationToken.None)).Data.Count == 1);
        var attempt = (await engine.Store.ListAttemptsByMessageAsync(app.Id, created.Message.Id, new AttemptFilter(), new ListQuery(), CancellationToken.None)).Data[0];
        Assert.Equal(MessageStatus.Success, attempt.Status);
        Assert.Equal(200, attempt.ResponseStatusCode);
    }

    [Fact]
    public async Task Send_WithFiltersAndChannels_ReachesOnlyMatchingEndpoints()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        await engine.CreateEndpointAsync(app, receiver.Url("/all"));
        await engine.CreateEndpointAsync(app, receiver.Url("/users"), e => e with { EventTypes = ["user.created"] });
        await engine.CreateEndpointAsync(app, receiver.Url("/project1"), e => e with { Channels = ["project_1"] });
        await engine.CreateEndpointAsync(app, receiver.Url("/disabled"), e => e with { Disabled = true });

        await engine.SendAsync(app, "user.created", "{}");
        await engine.SendAsync(app, "invoice.paid", "{}", ["project_1"]);
        await engine.SendAsync(app, "invoice.paid", "{}", ["project_2"]);
        await Eventually.HoldsAsync(() => receiver.Requests.Count >= 5);
        await Task.Delay(300);

        Assert.Equal(3, receiver.At("/all").Count());
        Assert.Single(receiver.At("/users"));
        Assert.Single(receiver.At("/project1"));
        Assert.Empty(receiver.At("/disabled"));
    }

    [Fact]
    public async Task Send_FailingThenSucceeding_RetriesOnScheduleAndKeepsId()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        var calls = 0;
        receiver.On("/flaky", (ctx, _) =>
        {
            ctx.Response.StatusCode = Interlocked.Increment(ref calls) < 3 ? 500 : 204;
            return Task.CompletedTask;
        });
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/flaky"));

        var created = await engine.SendAsync(app, "a.b", "{}");
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 3);

        var requests = receiver.Requests.ToArray();
        Assert.All(requests, r => Assert.Equal(created.Message.Id, r.Headers["webhook-id"]));
        Assert.All(requests, r => Assert.True(Verify(r, endpoint.CurrentSecret).IsValid));
        // Schedule 100ms, 200ms with ±20 % jitter.
        Assert.InRange((requests[1].At - requests[0].At).TotalMilliseconds, 70, 2000);
        Assert.InRange((requests[2].At - requests[1].At).TotalMilliseconds, 150, 2000);
        await Eventually.HoldsAsync(async () =>
            (await engine.Store.ListAttemptsByMessageAsync(app.Id, created.Message.Id, new AttemptFilter(), new ListQuery(), CancellationToken.None)).Data.Count == 3);
        var stats = await engine.Store.GetEndpointStatsAsync(app.Id, endpoint.Id, null, null, CancellationToken.None);
        Assert.Equal(1, stats.Success);
    }

    [Fact]
    public async Task Send_AlwaysFailing_IsFailedAfterScheduleAndReportsExhausted()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        receiver.OnStatus("/down", 503);
        receiver.OnStatus("/ops", 200);
        var operational = await engine.Operational.GetApplicationAsync(CancellationToken.None);
        await engine.CreateEndpointAsync(operational, receiver.Url("/ops"), e => e with { EventTypes = [OperationalWebhooks.MessageAttemptExhausted] });
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/down"));

        var created = await engine.SendAsync(app, "a.b", "{}");

        await Eventually.HoldsAsync(() => receiver.At("/ops").Any(), what: "the exhausted operational webhook");
        Assert.Equal(4, receiver.At("/down").Count()); // first try + 3 retries
        var ops = receiver.At("/ops").Single();
        var json = Encoding.UTF8.GetString(ops.Body);
        Assert.Contains("\"type\":\"message.attempt.exhausted\"", json, StringComparison.Ordinal);
        Assert.Contains(created.Message.Id, json, StringComparison.Ordinal);
        var destinations = await engine.Store.ListMessageDestinationsAsync(app.Id, created.Message.Id, new ListQuery(), CancellationToken.None);
        Assert.Equal(MessageStatus.Fail, destinations.Data.Single().Delivery.Status);
        Assert.Equal(endpoint.Id, destinations.Data.Single().Endpoint.Id);
    }

    [Fact]
    public async Task Send_Answered410_DisablesEndpointAtOnce()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        receiver.OnStatus("/gone", 410);
        receiver.OnStatus("/ops", 200);
        var operational = await engine.Operational.GetApplicationAsync(CancellationToken.None);
        await engine.CreateEndpointAsync(operational, receiver.Url("/ops"), e => e with { EventTypes = [OperationalWebhooks.EndpointDisabled] });
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/gone"));

        await engine.SendAsync(app, "a.b", "{}");
        await Eventually.HoldsAsync(() => receiver.At("/ops").Any(), what: "endpoint.disabled");

        Assert.Single(receiver.At("/gone"));
        var stored = await engine.Store.GetEndpointAsync(app.Id, endpoint.Id, CancellationToken.None);
        Assert.True(stored!.Disabled);
        Assert.Contains(endpoint.Id, Encoding.UTF8.GetString(receiver.At("/ops").Single().Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_FailingLongerThanDisableAfter_DisablesEndpoint()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync(o =>
        {
            o.DisableAfter = TimeSpan.FromMilliseconds(300);
            o.RetrySchedule = [.. Enumerable.Repeat(TimeSpan.FromMilliseconds(100), 20)];
        });
        var app = await engine.CreateApplicationAsync();
        receiver.OnStatus("/down", 500);
        var endpoint = await engine.CreateEndpointAsync(app, receiver.Url("/down"));

        await engine.SendAsync(app, "a.b", "{}");

        await Eventually.HoldsAsync(async () => (await engine.Store.GetEndpointAsync(app.Id, endpoint.Id, CancellationToken.None))!.Disabled);
        var count = receiver.At("/down").Count();
        await Task.Delay(500);
        Assert.Equal(count, receiver.At("/down").Count()); // nothing more goes to a disabled endpoint
    }

    [Fact]
    public async Task Send_RetryAfter_IsHonoured()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        var calls = 0;
        receiver.On("/busy", (ctx, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                ctx.Response.StatusCode = 429;
                ctx.Response.Headers.RetryAfter = "1";
            }
            return Task.CompletedTask;
        });
        await engine.CreateEndpointAsync(app, receiver.Url("/busy"));

        await engine.SendAsync(app, "a.b", "{}");
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 2, TimeSpan.FromSeconds(10));

        var requests = receiver.Requests.ToArray();
        // The schedule says ~100 ms; Retry-After says 1 s.
        Assert.True((requests[1].At - requests[0].At).TotalMilliseconds >= 950, $"retried after {(requests[1].At - requests[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Send_DuringSecretRotation_SignsWithOldAndNewSecret()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var engine = await EngineHarness.StartAsync();
        var app = await engine.CreateApplicationAsync();
        using var oldSecret = StandardWebhookSecret.GenerateSymmetric();
        using var newSecret = StandardWebhookSecret.GenerateEd25519();
        using var expired = StandardWebhookSecret.GenerateSymmetric();
        var now = DateTimeOffset.UtcNow;
        await engine.CreateEndpointAsync(app, receiver.Url("/rotating"), e => e with
        {
            Secrets =
            [
                new EndpointSecret(newSecret.Export(), null),
                new EndpointSecret(oldSecret.Export(), now.AddHours(1)),
                new EndpointSecret(expired.Export(), now.AddHours(-1)),
            ],
        });

        await engine.SendAsync(app, "a.b", "{\"x\":1}");
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1);

        var request = receiver.Requests.Single();
        var signatures = request.Headers["webhook-signature"].Split(' ');
        Assert.Equal(2, signatures.Length);
        Assert.Contains(signatures, s => s.StartsWith("v1a,", StringComparison.Ordinal));
        Assert.Contains(signatures, s => s.StartsWith("v1,", StringComparison.Ordinal));
        Assert.True(Verify(request, oldSecret.Export()).IsValid);
        Assert.True(Verify(request, newSecret.GetPublicKey().Export()).IsValid);
        Assert.False(Verify(request, expired.Export()).IsValid);
    }
}
