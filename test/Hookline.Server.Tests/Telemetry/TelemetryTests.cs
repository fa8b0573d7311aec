using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hookline.Signatures.StandardWebhooks;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Telemetry;

/// <summary>
/// Telemetry as an operator sees it, from the real server process: Prometheus scraping
/// <c>/metrics</c> after real deliveries to a real receiver, and an OTLP collector (a stub on
/// loopback reading OTLP/HTTP protobuf) receiving one trace per message path.
/// </summary>
public sealed class TelemetryTests
{
    private const string AdminToken = "hk_test_telemetry_admin_token_01";

    private static Dictionary<string, string> Settings(string dataDirectory) => new()
    {
        ["Hookline:DataDirectory"] = dataDirectory,
        ["Hookline:AdminToken"] = AdminToken,
        ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
        // One attempt now, the retry far outside the test: counts stay exact.
        ["Hookline:Delivery:RetrySchedule"] = "1h",
    };

    [Fact]
    public async Task Metrics_AfterRealDeliveries_CountAcceptedMessagesAttemptsAndIngestRequests()
    {
        using var data = TemporaryDirectory.Create("hookline-telemetry");
        await using var receiver = await TestReceiver.StartAsync();
        receiver.OnStatus("/fail", 500);
        await using var server = await ServerProcess.StartAsync(Settings(data.Path));
        using var admin = server.CreateClient(AdminToken);
        using var scraper = server.CreateClient();
        var app = await CreateAppWithEndpointAsync(admin, receiver.Url("/ok"));
        var failing = await CreateAppWithEndpointAsync(admin, receiver.Url("/fail"));
        var before = await scraper.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        for (var i = 0; i < 5; i++)
        {
            await SendAsync(admin, app);
        }
        await SendAsync(admin, failing);
        using (var unknown = await scraper.PostAsync(new Uri("/ingest/no-such-token", UriKind.Relative), new StringContent("{}")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        await Eventually.HoldsAsync(() => receiver.At("/ok").Count() == 5 && receiver.At("/fail").Count() == 1, TimeSpan.FromSeconds(30), "the deliveries");
        var after = "";
        await Eventually.HoldsAsync(async () =>
        {
            after = await scraper.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            return Delta("hookline_delivery_attempts_total", "outcome=\"success\"") == 5 && Delta("hookline_delivery_attempts_total", "outcome=\"http_error\"") == 1;
        }, TimeSpan.FromSeconds(30), () => "the attempts in /metrics:\n" + after);

        Assert.Equal(6, Delta("hookline_messages_accepted_total"));
        Assert.Equal(5, Delta("hookline_delivery_duration_seconds_count", "outcome=\"success\""));
        Assert.Equal(1, Delta("hookline_delivery_duration_seconds_count", "outcome=\"http_error\""));
        Assert.Equal(0, Delta("hookline_delivery_attempts_total", "outcome=\"timeout\""));
        Assert.Equal(1, Delta("hookline_ingest_requests_total", "result=\"not_found\""));
        // The SQLite writer's busy time: the messages' commits (durable), the attempts' outcomes (relaxed).
        Assert.True(Delta("hookline_sqlite_write_lock_held_seconds_total", "durability=\"durable\"") > 0, "durable writes held the SQLite writer:\n" + after);
        Assert.True(Delta("hookline_sqlite_write_lock_held_seconds_total", "durability=\"relaxed\"") > 0, "relaxed writes held the SQLite writer:\n" + after);
        // ASP.NET Core's and the runtime's meters are served too.
        Assert.NotNull(PrometheusText.Value(after, "http_server_request_duration_seconds_count"));
        Assert.NotNull(PrometheusText.Value(after, "dotnet_gc_collections_total"));
        // No tenant data in any label: neither application nor endpoint ids, nor where endpoints are.
        Assert.DoesNotContain(app.AppId, after, StringComparison.Ordinal);
        Assert.DoesNotContain(app.EndpointId, after, StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.BaseAddress.Authority, after, StringComparison.Ordinal);
        Assert.DoesNotContain($"\"{receiver.BaseAddress.Port.ToString(CultureInfo.InvariantCulture)}\"", after, StringComparison.Ordinal);
        // The backlog is read from the store in the background; the one retry is due in an hour.
        await Eventually.HoldsAsync(async () => PrometheusText.Value(await scraper.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "hookline_delivery_backlog") == 0,
            TimeSpan.FromSeconds(30), "hookline_delivery_backlog 0");

        double Delta(string name, params string[] labels) =>
            (PrometheusText.Value(after, name, labels) ?? 0) - (PrometheusText.Value(before, name, labels) ?? 0);
    }

    [Fact]
    public async Task Otlp_OneMessagePath_ApiRequestAcceptAndEveryAttemptShareOneTrace()
    {
        using var data = TemporaryDirectory.Create("hookline-telemetry");
        await using var collector = await TestReceiver.StartAsync();
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await ServerProcess.StartAsync(Settings(data.Path), environment: Otlp(collector));
        using var admin = server.CreateClient(AdminToken);
        var app = await CreateAppWithEndpointAsync(admin, receiver.Url("/hook"));
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/app/{app.AppId}/msg", UriKind.Relative))
        {
            Content = JsonContent.Create(new { eventType = "order.created", payload = new { id = 1 } }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01");
        using (var accepted = await admin.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await Eventually.HoldsAsync(() => receiver.At("/hook").Any(), TimeSpan.FromSeconds(30), "the delivery");
        Assert.Contains(traceId, receiver.At("/hook").Single().Headers["traceparent"], StringComparison.Ordinal);
        var spans = await SpansOfTraceAsync(collector, traceId, "hookline.message.accept", "hookline.delivery.attempt", "POST");

        var server_ = spans.Single(s => s.Name.StartsWith("POST /api/v1/app", StringComparison.Ordinal));
        var accept = spans.Single(s => s.Name == "hookline.message.accept");
        var attempt = spans.Single(s => s.Name == "hookline.delivery.attempt");
        var client = spans.Single(s => s.Name == "POST");
        Assert.Equal(server_.SpanId, accept.ParentSpanId);
        Assert.Equal(accept.SpanId, attempt.ParentSpanId);
        Assert.Equal(attempt.SpanId, client.ParentSpanId);
        Assert.Equal(app.EndpointId, attempt.Attributes["hookline.endpoint.id"]);
        Assert.Equal("success", attempt.Attributes["hookline.delivery.outcome"]);
        Assert.Equal("200", attempt.Attributes["http.response.status_code"]);
        // Metrics and logs go to the collector too.
        await Eventually.HoldsAsync(() => collector.At("/v1/metrics").Any() && collector.At("/v1/logs").Any(), TimeSpan.FromSeconds(30), "OTLP metrics and logs");
    }

    [Fact]
    public async Task Otlp_SendExample_AcceptedLikeAnyMessage_ApiRequestAcceptAndAttemptShareOneTrace()
    {
        using var data = TemporaryDirectory.Create("hookline-telemetry");
        await using var collector = await TestReceiver.StartAsync();
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await ServerProcess.StartAsync(Settings(data.Path), environment: Otlp(collector));
        using var admin = server.CreateClient(AdminToken);
        var app = await CreateAppWithEndpointAsync(admin, receiver.Url("/hook"));
        await admin.PostJsonAsync("/api/v1/event-type", new { name = "invoice.paid", description = "Invoice paid" }).ExpectAsync(HttpStatusCode.Created);
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/app/{app.AppId}/endpoint/{app.EndpointId}/send-example", UriKind.Relative))
        {
            Content = JsonContent.Create(new { eventType = "invoice.paid" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01");
        using (var sent = await admin.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }

        await Eventually.HoldsAsync(() => receiver.At("/hook").Any(), TimeSpan.FromSeconds(30), "the delivery");
        var spans = await SpansOfTraceAsync(collector, traceId, "hookline.message.accept", "hookline.delivery.attempt");

        var server_ = spans.Single(s => s.Name.StartsWith("POST /api/v1/app", StringComparison.Ordinal));
        var accept = spans.Single(s => s.Name == "hookline.message.accept");
        var attempt = spans.Single(s => s.Name == "hookline.delivery.attempt");
        Assert.Equal(server_.SpanId, accept.ParentSpanId);
        Assert.Equal("1", accept.Attributes["hookline.endpoint.count"]);
        Assert.Equal(accept.SpanId, attempt.ParentSpanId);
        Assert.Equal(app.EndpointId, attempt.Attributes["hookline.endpoint.id"]);
    }

    [Fact]
    public async Task Otlp_IngestRequest_VerificationAndForwardShareOneTrace()
    {
        using var data = TemporaryDirectory.Create("hookline-telemetry");
        await using var collector = await TestReceiver.StartAsync();
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await ServerProcess.StartAsync(Settings(data.Path), environment: Otlp(collector));
        using var admin = server.CreateClient(AdminToken);
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var source = await admin.PostAsJsonAsync(new Uri("/ingest/api/v1/source", UriKind.Relative), new { name = "svix", type = "svix", config = new { secret } });
        Assert.Equal(HttpStatusCode.Created, source.StatusCode);
        var created = await source.Content.ReadFromJsonAsync<JsonElement>();
        var endpoint = await admin.PostAsJsonAsync(new Uri($"/ingest/api/v1/source/{created.GetProperty("id").GetString()}/endpoint", UriKind.Relative), new { url = receiver.Url("/forwarded") });
        Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        var body = Encoding.UTF8.GetBytes("""{"type":"invoice.paid","data":{"id":7}}""");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(created.GetProperty("ingestUrl").GetString()!)) { Content = new ByteArrayContent(body) };
        post.Headers.Add("webhook-id", "msg_provider_1");
        post.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        post.Headers.Add("webhook-signature", StandardWebhookSignature.Sign("msg_provider_1", timestamp, body, StandardWebhookSecret.Parse(secret)));
        post.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01");
        using var provider = new HttpClient();
        using (var answer = await provider.SendAsync(post))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        await Eventually.HoldsAsync(() => receiver.At("/forwarded").Any(), TimeSpan.FromSeconds(30), "the forwarded request");
        Assert.Contains(traceId, receiver.At("/forwarded").Single().Headers["traceparent"], StringComparison.Ordinal);
        var spans = await SpansOfTraceAsync(collector, traceId, "hookline.ingest.receive", "hookline.ingest.verify", "hookline.delivery.attempt");

        var receive = spans.Single(s => s.Name == "hookline.ingest.receive");
        Assert.Equal(receive.SpanId, spans.Single(s => s.Name == "hookline.ingest.verify").ParentSpanId);
        Assert.Equal(receive.SpanId, spans.Single(s => s.Name == "hookline.delivery.attempt").ParentSpanId);
        Assert.Equal("accepted", receive.Attributes["hookline.ingest.result"]);
        Assert.Equal("true", spans.Single(s => s.Name == "hookline.ingest.verify").Attributes["hookline.verification.valid"]);
    }

    /// <summary>The standard variables, as an operator sets them: OTLP/HTTP protobuf to the collector, exported quickly.</summary>
    private static Dictionary<string, string> Otlp(TestReceiver collector) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
    };

    private static async Task<List<OtlpSpan>> SpansOfTraceAsync(TestReceiver collector, string traceId, params string[] names)
    {
        var spans = new List<OtlpSpan>();
        await Eventually.HoldsAsync(() =>
        {
            spans = collector.At("/v1/traces").SelectMany(r => OtlpTraces.Read(r.Body)).Where(s => s.TraceId == traceId).ToList();
            return names.All(n => spans.Any(s => s.Name == n));
        }, TimeSpan.FromSeconds(30), () => $"spans {string.Join(", ", names)} in trace {traceId}; got: {string.Join(", ", spans.Select(s => s.Name))}");
        return spans;
    }

    private static async Task<(string AppId, string EndpointId)> CreateAppWithEndpointAsync(HttpClient admin, string url)
    {
        var app = await admin.PostJsonAsync("/api/v1/app", new { name = "telemetry" }).ExpectAsync(HttpStatusCode.Created);
        var endpoint = await admin.PostJsonAsync($"/api/v1/app/{app.Str("id")}/endpoint", new { url }).ExpectAsync(HttpStatusCode.Created);
        return (app.Str("id"), endpoint.Str("id"));
    }

    private static async Task SendAsync(HttpClient admin, (string AppId, string EndpointId) app) =>
        await admin.PostJsonAsync($"/api/v1/app/{app.AppId}/msg", new { eventType = "order.created", payload = new { id = 1 } }).ExpectAsync(HttpStatusCode.Accepted);
}
