using Hookline.Receiver.AspNetCore.Tests.Infrastructure;
using Hookline.Signatures;
using Hookline.Testing;
using Npgsql;
using static Hookline.Receiver.AspNetCore.Tests.Infrastructure.Webhooks;

namespace Hookline.Receiver.AspNetCore.Tests;

/// <summary>
/// The receiver over PostgreSQL (<c>AddHooklinePostgresInbox(…)</c>): two app instances share one inbox, each
/// receiving and each running handlers. The server comes from <c>HOOKLINE_TEST_POSTGRES</c>
/// (<c>scripts/test.sh</c> starts one); without it these tests skip, and fail under <c>CI=true</c>.
/// Every test works in a schema of its own.
/// </summary>
public sealed class PostgresReceiverTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly IWebhookSigner Signer = WebhookSigners.Create("svix", new Dictionary<string, string?> { ["secret"] = Secret });
    private PostgresTestDatabase? _database;

    private string ConnectionString => _database!.ConnectionString;

    public async Task InitializeAsync()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresTestDatabase.Variable)))
        {
            return;
        }
        _database = new PostgresTestDatabase();
        await _database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>Skips the test without a server, or fails it under <c>CI=true</c>.</summary>
    private void RequireServer()
    {
        if (_database is null)
        {
            _ = PostgresTestDatabase.ServerConnectionString;
        }
    }

    private Task<ReceiverApp> StartNodeAsync(HandlerProbe probe, Func<WebhookEvent, Task>? handler = null, Action<HooklineReceiverOptions>? configure = null) =>
        ReceiverApp.StartAsync(
            a => a.MapWebhook("/hooks", "svix", o => o.Secret = Secret).Handle(async (WebhookEvent e) =>
            {
                using (probe.Enter())
                {
                    probe.Record(e);
                    await (handler?.Invoke(e) ?? Task.Delay(20));
                }
            }),
            o =>
            {
                o.PollInterval = TimeSpan.FromMilliseconds(100);
                configure?.Invoke(o);
            },
            inbox: s => s.AddHooklinePostgresInbox(ConnectionString));

    private static Task<HttpResponseMessage> SendAsync(ReceiverApp app, string deliveryId)
    {
        var body = Utf8($"{{\"type\":\"order.paid\",\"id\":\"{deliveryId}\"}}");
        return app.Client.PostAsync("/hooks", body, Signer.Sign(body, deliveryId: deliveryId));
    }

    [SkippableFact]
    public async Task AddHooklinePostgresInbox_TwoNodesReceivingTheSameDeliveries_EachHandledExactlyOnce()
    {
        RequireServer();
        var probe = new HandlerProbe();
        await using var a = await StartNodeAsync(probe);
        await using var b = await StartNodeAsync(probe);
        var ids = Enumerable.Range(0, 30).Select(i => $"msg_pg_{i}").ToArray();

        // Every delivery arrives at both nodes at once (a provider retrying against a load balancer).
        var responses = await Task.WhenAll(ids.SelectMany(id => new[] { SendAsync(a, id), SendAsync(b, id) }));
        var duplicates = await Task.WhenAll(responses.Select(AssertAcceptedAsync));
        await probe.WaitForRunsAsync(ids.Length);
        await Task.Delay(500);

        Assert.Equal(ids.Length, duplicates.Count(d => !d));
        Assert.Equal(ids.Order(StringComparer.Ordinal), probe.Runs.Select(r => r.DeliveryId).Order(StringComparer.Ordinal));
        Assert.Equal(new WebhookInboxCounts(0, 0, ids.Length, 0), await b.Inbox.CountAsync());
    }

    [SkippableFact]
    public async Task AddHooklinePostgresInbox_EventStoredByReceiveOnlyNode_WakesOtherNodesWorkerWithoutWaitingForPoll()
    {
        RequireServer();
        var probe = new HandlerProbe();
        await using var receiver = await StartNodeAsync(probe, configure: o => o.RunWorker = false);
        await using var worker = await StartNodeAsync(probe, configure: o => o.PollInterval = TimeSpan.FromMinutes(5));
        await Task.Delay(1000); // The worker has listened, claimed nothing, and gone to sleep for its long poll.

        var sent = DateTimeOffset.UtcNow;
        await AssertAcceptedAsync(await SendAsync(receiver, "msg_pg_wake"));
        var run = (await probe.WaitForRunsAsync(1, TimeSpan.FromSeconds(10)))[0];

        Assert.True(run.At - sent < TimeSpan.FromSeconds(3), $"the other node ran the handler {run.At - sent} after the request");
    }

    [SkippableFact]
    public async Task AddHooklinePostgresInbox_HandlerFailing_DeadLetteredAndRequeuedFromTheOtherNode()
    {
        RequireServer();
        var probe = new HandlerProbe();
        var failing = true;
        Task Handler(WebhookEvent e) => Volatile.Read(ref failing) ? throw new InvalidOperationException("ledger offline") : Task.CompletedTask;
        await using var a = await StartNodeAsync(probe, Handler, o => o.MaxAttempts = 3);
        await using var b = await StartNodeAsync(probe, Handler, o => o.MaxAttempts = 3);

        await AssertAcceptedAsync(await SendAsync(a, "msg_pg_dead"));
        await probe.WaitForRunsAsync(3);
        WebhookInboxEntry? dead = null;
        for (var i = 0; i < 200 && dead is null; i++)
        {
            dead = (await b.Inbox.ListDeadLettersAsync()).SingleOrDefault();
            await Task.Delay(25);
        }

        Assert.NotNull(dead);
        Assert.Equal(3, dead.Attempts);
        Assert.Contains("ledger offline", dead.LastError, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], probe.Runs.Select(r => r.Attempt));

        Volatile.Write(ref failing, false);
        Assert.True(await b.Inbox.RequeueAsync(dead.Id));
        await probe.WaitForRunsAsync(4);
        Assert.Equal(1, probe.MaxConcurrent);
    }
}
