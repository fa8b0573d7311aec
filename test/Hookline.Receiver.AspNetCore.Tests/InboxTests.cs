using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hookline.Receiver.AspNetCore.Internal;
using Hookline.Receiver.AspNetCore.Tests.Infrastructure;
using Hookline.Signatures;
using Microsoft.Extensions.Options;
using static Hookline.Receiver.AspNetCore.Tests.Infrastructure.Webhooks;

namespace Hookline.Receiver.AspNetCore.Tests;

/// <summary>
/// The inbox behind MapWebhook: size limit, retries with backoff, dead letters and requeue, handler
/// timeout, leases that keep a slow handler from running twice, wake-up on insert, handler binding.
/// Requests are signed with Hookline's own Standard Webhooks signer here; the schemes themselves are
/// checked against independent implementations in <see cref="SchemeTests"/>.
/// </summary>
public sealed class InboxTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly IWebhookSigner Signer = WebhookSigners.Create("svix", new Dictionary<string, string?> { ["secret"] = Secret });

    private static Task<HttpResponseMessage> SendAsync(ReceiverApp app, string path, string deliveryId, string body = "{\"type\":\"order.paid\"}") =>
        app.Client.PostAsync(path, Utf8(body), Signer.Sign(Utf8(body), deliveryId: deliveryId));

    private static WebhookEndpointBuilder MapSvix(WebApplication app, string path = "/hooks", Action<WebhookOptions>? configure = null) =>
        app.MapWebhook(path, "svix", o =>
        {
            o.Secret = Secret;
            configure?.Invoke(o);
        });

    [Fact]
    public async Task MapWebhook_BodyOverLimit_Answers413AndStoresNothing()
    {
        await using var app = await ReceiverApp.StartAsync(a => MapSvix(a, configure: o => o.MaxBodyBytes = 100).Handle((WebhookEvent e) => { }));
        var big = "{\"pad\":\"" + new string('x', 200) + "\"}";

        var response = await SendAsync(app, "/hooks", "msg_big", big);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/hooks") { Content = new StreamContent(new MemoryStream(Utf8(big))) };
        foreach (var (name, value) in Signer.Sign(Utf8(big), deliveryId: "msg_big2"))
        {
            chunked.Headers.TryAddWithoutValidation(name, value);
        }
        chunked.Headers.TransferEncodingChunked = true;
        var chunkedResponse = await app.Client.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedResponse.StatusCode);
        Assert.Contains("payload_too_large", await chunkedResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(new WebhookInboxCounts(0, 0, 0, 0), await app.Inbox.CountAsync());
        Assert.False(await AssertAcceptedAsync(await SendAsync(app, "/hooks", "msg_small", "{\"a\":1}")));
    }

    [Fact]
    public async Task Worker_HandlerFails_RetriedWithBackoffThenDeadLetteredThenRequeuedRunsAgain()
    {
        var failing = true;
        await using var app = await ReceiverApp.StartAsync(
            a => MapSvix(a).Handle((WebhookEvent e, HandlerProbe probe) =>
            {
                probe.Record(e);
                if (Volatile.Read(ref failing))
                {
                    throw new InvalidOperationException($"order service down (attempt {e.Attempt})");
                }
            }),
            o =>
            {
                o.MaxAttempts = 4;
                o.RetryDelay = TimeSpan.FromMilliseconds(150);
            });

        await AssertAcceptedAsync(await SendAsync(app, "/hooks", "msg_fail"));
        var runs = await app.Probe.WaitForRunsAsync(4);
        var dead = await WaitForAsync(async () => (await app.Inbox.ListDeadLettersAsync()).SingleOrDefault());

        Assert.Equal([1, 2, 3, 4], runs.Select(r => r.Attempt));
        var gaps = runs.Zip(runs.Skip(1), (a, b) => b.At - a.At).ToArray();
        Assert.True(gaps[0] >= TimeSpan.FromMilliseconds(130), $"first retry after {gaps[0]}");
        Assert.True(gaps[1] >= TimeSpan.FromMilliseconds(270), $"second retry after {gaps[1]}");
        Assert.True(gaps[2] >= TimeSpan.FromMilliseconds(550), $"third retry after {gaps[2]}");
        Assert.Equal(("msg_fail", 4, WebhookInboxStatus.Dead), (dead.DeliveryId, dead.Attempts, dead.Status));
        Assert.Contains("order service down (attempt 4)", dead.LastError, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException", dead.LastError, StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.Equal(4, app.Probe.Runs.Count);

        Volatile.Write(ref failing, false);
        Assert.True(await app.Inbox.RequeueAsync(dead.Id));
        var rerun = (await app.Probe.WaitForRunsAsync(5))[4];

        Assert.Equal(1, rerun.Attempt);
        var done = await WaitForAsync(async () => await app.Inbox.GetAsync(dead.Id) is { Status: WebhookInboxStatus.Done } e ? e : null);
        Assert.Equal(1, done.Attempts);
        Assert.Empty(await app.Inbox.ListDeadLettersAsync());
    }

    [Fact]
    public async Task MapWebhookInbox_ListCountAndRequeueAll_OverHttp()
    {
        var failing = true;
        await using var app = await ReceiverApp.StartAsync(
            a =>
            {
                MapSvix(a).Handle((WebhookEvent e, HandlerProbe probe) =>
                {
                    probe.Record(e);
                    if (Volatile.Read(ref failing))
                    {
                        throw new InvalidOperationException("nope");
                    }
                });
                a.MapWebhookInbox("/admin/inbox");
            },
            o => o.MaxAttempts = 1);
        foreach (var id in new[] { "msg_a", "msg_b", "msg_c" })
        {
            await AssertAcceptedAsync(await SendAsync(app, "/hooks", id));
        }
        await app.Probe.WaitForRunsAsync(3);
        await WaitForAsync(async () => (await app.Inbox.CountAsync()).Dead == 3 ? "ok" : null);

        var page1 = await app.Client.GetFromJsonAsync<JsonElement>("/admin/inbox?status=dead&limit=2");
        var page2 = await app.Client.GetFromJsonAsync<JsonElement>($"/admin/inbox?status=dead&limit=2&iterator={page1.GetProperty("iterator").GetString()}");
        var counts = await app.Client.GetFromJsonAsync<JsonElement>("/admin/inbox/counts");
        var badStatus = await app.Client.GetAsync("/admin/inbox?status=lost");
        var missing = await app.Client.GetAsync("/admin/inbox/999999");

        Assert.Equal(["msg_c", "msg_b"], page1.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("deliveryId").GetString()));
        Assert.False(page1.GetProperty("done").GetBoolean());
        var last = Assert.Single(page2.GetProperty("data").EnumerateArray());
        Assert.Equal(("msg_a", "dead", "System.InvalidOperationException: nope"), (last.GetProperty("deliveryId").GetString(), last.GetProperty("status").GetString(), last.GetProperty("lastError").GetString()));
        Assert.True(page2.GetProperty("done").GetBoolean());
        Assert.Equal(3, counts.GetProperty("dead").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        Volatile.Write(ref failing, false);
        var requeued = await app.Client.PostAsync("/admin/inbox/requeue", null);
        Assert.Equal(3, (await requeued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requeued").GetInt32());
        await app.Probe.WaitForRunsAsync(6);
        await WaitForAsync(async () => (await app.Inbox.CountAsync()).Done == 3 ? "ok" : null);

        var one = await app.Client.PostAsync($"/admin/inbox/{last.GetProperty("id").GetInt64()}/requeue", null);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        await app.Probe.WaitForRunsAsync(7);
    }

    [Fact]
    public async Task Worker_HandlerOverTimeout_CancelledAndCountedAsFailedAttempt()
    {
        await using var app = await ReceiverApp.StartAsync(
            a => MapSvix(a).Handle(async (WebhookEvent e, HandlerProbe probe, CancellationToken ct) =>
            {
                probe.Record(e);
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
            }),
            o =>
            {
                o.HandlerTimeout = TimeSpan.FromMilliseconds(200);
                o.LeaseDuration = TimeSpan.FromSeconds(2);
                o.MaxAttempts = 1;
            });

        await AssertAcceptedAsync(await SendAsync(app, "/hooks", "msg_slow"));
        var dead = await WaitForAsync(async () => (await app.Inbox.ListDeadLettersAsync()).SingleOrDefault());

        Assert.Contains("timed out", dead.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_HandlerIgnoresCancellationPastItsLease_NeverRunsTwiceAtOnceAcrossTwoApps()
    {
        // Two apps (two "nodes") over one SQLite file; the handler outlives the lease several times
        // over and ignores its token. Lease renewal keeps the other node from claiming it meanwhile.
        var path = ReceiverApp.NewDatabasePath();
        var probe = new HandlerProbe();
        void Configure(HooklineReceiverOptions o)
        {
            o.HandlerTimeout = TimeSpan.FromMilliseconds(500);
            o.LeaseDuration = TimeSpan.FromMilliseconds(1500);
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        }
        void Map(WebApplication a) => MapSvix(a).Handle(async (WebhookEvent e) =>
        {
            using (probe.Enter())
            {
                probe.Record(e);
                await Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
        });
        try
        {
            await using var first = await ReceiverApp.StartAsync(Map, Configure, databasePath: path);
            await using var second = await ReceiverApp.StartAsync(Map, Configure, databasePath: path);

            await AssertAcceptedAsync(await SendAsync(first, "/hooks", "msg_long"));
            await probe.WaitForRunsAsync(1);
            var done = await WaitForAsync(async () => await first.Inbox.ListAsync(WebhookInboxStatus.Done) is [var e] ? e : null, TimeSpan.FromSeconds(20));

            Assert.Single(probe.Runs);
            Assert.Equal(1, probe.MaxConcurrent);
            Assert.Equal(1, done.Attempts);
        }
        finally
        {
            ReceiverApp.DeleteDatabase(path);
        }
    }

    [Fact]
    public async Task Worker_GracefulShutdownMidHandler_ReleasesEventWithoutCountingTheAttempt()
    {
        var path = ReceiverApp.NewDatabasePath();
        try
        {
            await using (var first = await ReceiverApp.StartAsync(
                a => MapSvix(a).Handle(async (WebhookEvent e, HandlerProbe probe, CancellationToken ct) =>
                {
                    probe.Record(e);
                    await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                }),
                databasePath: path))
            {
                await AssertAcceptedAsync(await SendAsync(first, "/hooks", "msg_shutdown"));
                await first.Probe.WaitForRunsAsync(1);
            }

            await using var second = await ReceiverApp.StartAsync(a => MapSvix(a).Handle((WebhookEvent e, HandlerProbe probe) => probe.Record(e)), databasePath: path);
            var rerun = (await second.Probe.WaitForRunsAsync(1))[0];

            Assert.Equal(("msg_shutdown", 1), (rerun.DeliveryId, rerun.Attempt));
        }
        finally
        {
            ReceiverApp.DeleteDatabase(path);
        }
    }

    [Fact]
    public async Task MapWebhook_StoredEvent_WakesWorkerWithoutWaitingForPoll()
    {
        await using var app = await ReceiverApp.StartAsync(
            a => MapSvix(a).Handle((WebhookEvent e, HandlerProbe probe) => probe.Record(e)),
            o => o.PollInterval = TimeSpan.FromMinutes(5));
        await Task.Delay(200); // Let the worker fall asleep.

        var sent = DateTimeOffset.UtcNow;
        await AssertAcceptedAsync(await SendAsync(app, "/hooks", "msg_fast"));
        var run = (await app.Probe.WaitForRunsAsync(1, TimeSpan.FromSeconds(5)))[0];

        Assert.True(run.At - sent < TimeSpan.FromSeconds(2), $"handler ran {run.At - sent} after the request");
    }

    [Fact]
    public async Task Handle_ParametersBoundFromScopeKeyedServicesAndEvent()
    {
        await using var app = await ReceiverApp.StartAsync(
            a => MapSvix(a).Handle(async (WebhookEvent e, ScopedCounter counter, [FromKeyedServices("orders")] IOrderBook orders, IServiceProvider services, CancellationToken ct) =>
            {
                Assert.Same(counter, services.GetRequiredService<ScopedCounter>());
                await orders.RecordAsync(e.DeliveryId + ":" + e.Json.GetProperty("type").GetString() + ":" + e.Deserialize<TypedBody>()!.Type, ct);
                services.GetRequiredService<HandlerProbe>().Record(e);
            }),
            services: s =>
            {
                s.AddScoped<ScopedCounter>();
                s.AddKeyedSingleton<IOrderBook, OrderBook>("orders");
            });

        await AssertAcceptedAsync(await SendAsync(app, "/hooks", "msg_di"));
        await app.Probe.WaitForRunsAsync(1);

        Assert.Equal(["msg_di:order.paid:order.paid"], ((OrderBook)app.Services.GetRequiredKeyedService<IOrderBook>("orders")).Recorded);
    }

    [Fact]
    public async Task Handle_HandlerClass_ResolvedPerRun()
    {
        await using var app = await ReceiverApp.StartAsync(a => MapSvix(a).Handle<RecordingHandler>());

        await AssertAcceptedAsync(await SendAsync(app, "/hooks", "msg_class"));

        Assert.Equal("msg_class", (await app.Probe.WaitForRunsAsync(1))[0].DeliveryId);
    }

    [Fact]
    public async Task Handle_ParameterThatIsNotAService_ThrowsWhenMapped()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ReceiverApp.StartAsync(a => MapSvix(a).Handle((WebhookEvent e, IOrderBook orders) => { })));

        Assert.Contains("orders", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapWebhook_MissingSecretOrUnknownType_ThrowsWhenMapped()
    {
        var missing = await Assert.ThrowsAsync<WebhookConfigurationException>(() =>
            ReceiverApp.StartAsync(a => a.MapWebhook("/hooks", "stripe", o => o.Secret = null).Handle((WebhookEvent e) => { })));
        var unknown = await Assert.ThrowsAsync<WebhookConfigurationException>(() =>
            ReceiverApp.StartAsync(a => a.MapWebhook("/hooks", "carrier-pigeon").Handle((WebhookEvent e) => { })));

        Assert.Contains("secret", missing.Message, StringComparison.Ordinal);
        Assert.Contains("carrier-pigeon", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapWebhook_WithoutHandlerOrWithDuplicateName_FailsAtStartup()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReceiverApp.StartAsync(a => MapSvix(a)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReceiverApp.StartAsync(a =>
        {
            MapSvix(a, "/a", o => o.Name = "same").Handle((WebhookEvent e) => { });
            MapSvix(a, "/b", o => o.Name = "same").Handle((WebhookEvent e) => { });
        }));
    }

    [Fact]
    public async Task AddHooklineReceiver_LeaseNotOutlastingHandlerTimeout_FailsAtStartup()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ReceiverApp.StartAsync(
            a => MapSvix(a).Handle((WebhookEvent e) => { }),
            o =>
            {
                o.HandlerTimeout = TimeSpan.FromMinutes(1);
                o.LeaseDuration = TimeSpan.FromSeconds(30);
            }));

        Assert.Contains("LeaseDuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddHooklineReceiver_FromConfigurationSection_ReadsDurationsAndStore()
    {
        var path = ReceiverApp.NewDatabasePath();
        await using var provider = FromReceiverSection(new()
        {
            ["ConnectionString"] = path,
            ["RetryDelay"] = "2s",
            ["MaxRetryDelay"] = "30m",
            ["HandlerTimeout"] = "00:00:20",
            ["MaxAttempts"] = "3",
            ["RunWorker"] = "false",
        });
        var options = provider.GetRequiredService<IOptions<HooklineReceiverOptions>>().Value;

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(20), 3, false),
            (options.RetryDelay, options.MaxRetryDelay, options.HandlerTimeout, options.MaxAttempts, options.RunWorker));
        Assert.Equal(new WebhookInboxCounts(0, 0, 0, 0), await provider.GetRequiredService<IWebhookInbox>().CountAsync());
        ReceiverApp.DeleteDatabase(path);
    }

    [Fact]
    public void AddHooklineReceiver_FromConfigurationSection_ValuesThatDoNotParse_AreAllReportedWithTheirKeys()
    {
        using var provider = FromReceiverSection(new()
        {
            ["ConnectionString"] = "Data Source=unused.db",
            ["RetryDelay"] = "soon",
            ["MaxAttempts"] = "three",
            ["RunWorker"] = "maybe",
            ["DoneRetention"] = "1e300d",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HooklineReceiverOptions>>().Value);

        Assert.Contains("Receiver:RetryDelay = 'soon' is not a duration", error.Message, StringComparison.Ordinal);
        Assert.Contains("Receiver:MaxAttempts = 'three' is not a whole number", error.Message, StringComparison.Ordinal);
        Assert.Contains("Receiver:RunWorker = 'maybe' is not true or false", error.Message, StringComparison.Ordinal);
        Assert.Contains("Receiver:DoneRetention = '1e300d' is not a duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHooklineReceiver_NoInboxStoreRegistered_FailsAtStartupNamingTheStorePackages()
    {
        // The configuration of an app written for the options that chose the store, which are gone.
        using var provider = FromReceiverSection(new() { ["StorageProvider"] = "sqlite", ["MaxAttempts"] = "3" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HooklineReceiverOptions>>().Value);

        Assert.Contains("AddHooklineSqliteInbox", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddHooklinePostgresInbox", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReceiverLibrary_ReferencesNoStorePackage()
    {
        var references = typeof(WebhookEvent).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToArray();

        Assert.DoesNotContain(references, name => name!.StartsWith("Hookline.Storage.", StringComparison.Ordinal) || name == "Npgsql" || name == "Microsoft.Data.Sqlite");
    }

    /// <summary>
    /// Services with the receiver registered from a configuration section named <c>Receiver</c> holding
    /// <paramref name="settings"/>, as an app does it: the options from the section, and a SQLite inbox
    /// at the section's <c>ConnectionString</c> (read by the app, not the library), when there is one.
    /// </summary>
    private static ServiceProvider FromReceiverSection(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(kv => KeyValuePair.Create("Receiver:" + kv.Key, kv.Value)))
            .Build();
        var section = configuration.GetSection("Receiver");
        var services = new ServiceCollection();
        services.AddHooklineReceiver(section);
        if (section["ConnectionString"] is { } inbox)
        {
            services.AddHooklineSqliteInbox(inbox);
        }
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData(1, 0.5, 5_000)]
    [InlineData(2, 0.5, 10_000)]
    [InlineData(4, 0.5, 40_000)]
    [InlineData(30, 0.5, 3_600_000)]
    [InlineData(1, 0.0, 4_000)]
    [InlineData(1, 0.999999, 6_000)]
    public void RetryBackoff_Delay_DoublesFromBaseCappedWithJitter(int attempt, double random, double expectedMs)
    {
        var delay = RetryBackoff.Delay(attempt, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), 0.2, random);

        Assert.Equal(expectedMs, delay.TotalMilliseconds, 0);
    }

    [Fact]
    public void FailureCode_IsSnakeCaseOfTheVerifierReason()
    {
        Assert.Equal("timestamp_too_old", WebhookReceiver.FailureCode(VerificationFailure.TimestampTooOld));
        Assert.Equal("no_matching_signature", WebhookReceiver.FailureCode(VerificationFailure.NoMatchingSignature));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan? timeout = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("the condition never held");
            }
            await Task.Delay(25);
        }
    }

    private sealed record TypedBody(string Type);

    public sealed class ScopedCounter;

    public interface IOrderBook
    {
        Task RecordAsync(string entry, CancellationToken cancellationToken);
    }

    public sealed class OrderBook : IOrderBook
    {
        private readonly List<string> _recorded = [];

        public IReadOnlyList<string> Recorded
        {
            get
            {
                lock (_recorded)
                {
                    return _recorded.ToArray();
                }
            }
        }

        public Task RecordAsync(string entry, CancellationToken cancellationToken)
        {
            lock (_recorded)
            {
                _recorded.Add(entry);
            }
            return Task.CompletedTask;
        }
    }

    public sealed class RecordingHandler(HandlerProbe probe) : IWebhookHandler
    {
        public Task HandleAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
        {
            probe.Record(webhookEvent);
            return Task.CompletedTask;
        }
    }
}
