using System.Diagnostics.Metrics;
using Hookline.Core.Storage;

namespace Hookline.Core.Diagnostics;

/// <summary>
/// Hookline's instruments (meter <see cref="HooklineTelemetry.Name"/>). Labels carry no tenant data
/// and only a few fixed values each, so they are safe for Prometheus: no application, endpoint or
/// message ids, no URLs.
/// </summary>
/// <remarks>
/// In Prometheus (OpenTelemetry naming): <c>hookline_messages_accepted_total</c>,
/// <c>hookline_delivery_attempts_total{outcome}</c>, <c>hookline_delivery_duration_seconds{outcome}</c>,
/// <c>hookline_delivery_backlog</c>, <c>hookline_ingest_requests_total{result}</c>.
/// </remarks>
internal sealed class HooklineMetrics
{
    /// <summary>How old a backlog count may be before a collection asks the store again.</summary>
    private static readonly TimeSpan BacklogRefresh = TimeSpan.FromSeconds(10);

    private readonly Counter<long> _messagesAccepted;
    private readonly Counter<long> _deliveryAttempts;
    private readonly Histogram<double> _deliveryDuration;
    private readonly Counter<long> _ingestRequests;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private long _backlog = -1;
    private long _backlogReadAt;
    private int _refreshing;

    public HooklineMetrics(IMeterFactory meterFactory, IServiceProvider services, TimeProvider time)
    {
        _services = services;
        _time = time;
        var meter = meterFactory.Create(HooklineTelemetry.Name, HooklineTelemetry.Version);
        _messagesAccepted = meter.CreateCounter<long>("hookline.messages.accepted", "{message}",
            "Messages accepted and stored durably (API, ingest and operational webhooks).");
        _deliveryAttempts = meter.CreateCounter<long>("hookline.delivery.attempts", "{attempt}",
            "Delivery attempts made, by outcome: success (2xx), http_error (another status), timeout, network_error (no response: refused, DNS, TLS, blocked by the SSRF guard).");
        _deliveryDuration = meter.CreateHistogram("hookline.delivery.duration", "s",
            "Duration of delivery attempts, request sent to response body read, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60] });
        _ingestRequests = meter.CreateCounter<long>("hookline.ingest.requests", "{request}",
            "Requests to ingest URLs, by result: accepted, duplicate, rejected (verification failed), handshake, too_large, not_found (unknown or expired URL).");
        meter.CreateObservableGauge("hookline.delivery.backlog", ObserveBacklog, "{delivery}",
            "Deliveries due now and not yet sent (pending and due, or with an expired lease), across all nodes sharing the store. Refreshed at most every 10 seconds.");
    }

    public void MessageAccepted(int count = 1) => _messagesAccepted.Add(count);

    public void AttemptMade(string outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _deliveryAttempts.Add(1, tag);
        _deliveryDuration.Record(duration.TotalSeconds, tag);
    }

    public void IngestRequest(string result) => _ingestRequests.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>
    /// The last count, refreshed in the background when it is older than <see cref="BacklogRefresh"/>:
    /// collection is synchronous and must not wait for the database, and nothing is queried while
    /// nobody collects.
    /// </summary>
    private IEnumerable<Measurement<long>> ObserveBacklog()
    {
        var now = _time.GetTimestamp();
        if ((Interlocked.Read(ref _backlog) < 0 || _time.GetElapsedTime(Interlocked.Read(ref _backlogReadAt), now) >= BacklogRefresh)
            && Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            _ = RefreshBacklogAsync();
        }
        var backlog = Interlocked.Read(ref _backlog);
        return backlog < 0 ? [] : [new Measurement<long>(backlog)];
    }

    private async Task RefreshBacklogAsync()
    {
        try
        {
            var store = (IDeliveryStore?)_services.GetService(typeof(IDeliveryStore));
            if (store is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                Interlocked.Exchange(ref _backlog, await store.CountDueAsync(_time.GetUtcNow(), timeout.Token));
            }
            Interlocked.Exchange(ref _backlogReadAt, _time.GetTimestamp());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store may be briefly unreachable; the next collection tries again.
        }
        finally
        {
            Interlocked.Exchange(ref _refreshing, 0);
        }
    }
}
