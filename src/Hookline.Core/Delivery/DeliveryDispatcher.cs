using System.Diagnostics;
using System.Threading.Channels;
using Hookline.Core.Diagnostics;
using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Core.Work;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hookline.Core.Delivery;

/// <summary>
/// The outbound engine of one node. It claims due deliveries in batches (the store enforces each
/// endpoint's concurrency, FIFO and throttle, so a slow endpoint only ever holds its own slots),
/// sends each one as soon as its throttle slot comes, and records outcomes in batches. It sleeps
/// until the next delivery is due or until <see cref="DeliverySignal"/> says new work committed.
/// A crash loses nothing: unfinished deliveries are still leased in the store and are claimed
/// again when the lease runs out. What it records is reported to every <see cref="IDeliveryObserver"/>
/// (operational webhooks subscribe that way).
/// </summary>
internal sealed partial class DeliveryDispatcher : BackgroundService
{
    /// <summary>Longest sleep when nothing is due, in case a wake-up from another node was missed.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How late a throttled send may leave after its booked slot. Later than this the slot is given
    /// back and the delivery booked again, so a node that stalled (GC, a starved CPU, a paused VM)
    /// cannot send its overdue slots together: any one-second window then holds at most the slots
    /// booked for it plus this much (≤ rate × 1.1).
    /// </summary>
    private static readonly TimeSpan SlotTolerance = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a relay delivery given back by a node that does not hold its connection waits before
    /// it is due again: long enough that the holder, woken by the notification, is as likely as this
    /// node to claim it next.
    /// </summary>
    private static readonly TimeSpan RelayReleaseDelay = TimeSpan.FromMilliseconds(100);

    private const int ClaimBatchSize = 200;
    private const int MaxInFlight = 2000;
    private const int CompletionBatchSize = 500;

    private readonly IDeliveryStore _store;
    private readonly DeliverySignal _signal;
    private readonly AttemptSender _sender;
    private readonly IReadOnlyList<IDeliveryObserver> _observers;
    private readonly DeliveryOptions _options;
    private readonly RetrySchedule _schedule;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryDispatcher> _logger;
    private readonly HooklineMetrics _metrics;
    private readonly string _nodeId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Channel<RecordedDelivery> _completions =
        Channel.CreateUnbounded<RecordedDelivery>(new UnboundedChannelOptions { SingleReader = true });

    public DeliveryDispatcher(
        IDeliveryStore store,
        DeliverySignal signal,
        AttemptSender sender,
        IEnumerable<IDeliveryObserver> observers,
        IOptions<DeliveryOptions> options,
        TimeProvider time,
        ILogger<DeliveryDispatcher> logger,
        HooklineMetrics metrics)
    {
        _metrics = metrics;
        _store = store;
        _signal = signal;
        _sender = sender;
        _observers = [.. observers];
        _options = options.Value;
        _schedule = new RetrySchedule(_options.EffectiveRetrySchedule);
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var observer in _observers)
        {
            await observer.StartAsync(stoppingToken);
        }
        var loop = new WorkLoop<ClaimedDelivery>(_time)
        {
            ClaimAsync = (now, max, cancellationToken) => _store.ClaimDueAsync(new ClaimRequest
            {
                NodeId = _nodeId,
                Now = now,
                MaxDeliveries = max,
                LeaseDuration = _options.EffectiveLeaseDuration,
                DefaultMaxConcurrency = _options.MaxConcurrencyPerEndpoint,
            }, cancellationToken),
            ProcessAsync = SendAsync,
            GetNextDueAsync = _store.GetNextDueAsync,
            // Woken by committed work and by the recorder once recorded completions free endpoint
            // slots in the store; a finished send alone frees nothing there.
            WaitForSignalAsync = (timeout, cancellationToken) => _signal.WaitAsync(timeout, _time, cancellationToken),
            MaxInFlight = MaxInFlight,
            MaxClaimBatch = ClaimBatchSize,
            // A short claim does not mean nothing is due: the store caps each endpoint's share.
            ClaimUntilEmpty = true,
            PollInterval = PollInterval,
            ErrorPause = PollInterval,
            Failed = ex => Log.ClaimFailed(_logger, ex),
        };
        var recorder = Task.Run(() => RecordCompletionsAsync(), CancellationToken.None);
        try
        {
            // Returns after letting attempts in flight finish (they are bounded by the delivery
            // timeout), so a graceful stop records them and does not cause duplicate sends after restart.
            await loop.RunAsync(stoppingToken);
        }
        finally
        {
            _completions.Writer.TryComplete();
            await recorder;
        }
    }

    private async Task SendAsync(ClaimedDelivery delivery, CancellationToken stoppingToken)
    {
        try
        {
            var wait = delivery.NotBefore - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, stoppingToken);
            }
            if (delivery.Throttled && _time.GetUtcNow() - delivery.NotBefore > SlotTolerance)
            {
                Log.SlotMissed(_logger, delivery.DeliveryId, delivery.Endpoint.Id);
                await _store.ReleaseAsync(delivery.DeliveryId, delivery.LeaseToken, _time.GetUtcNow(), CancellationToken.None);
                _signal.NotifyLocal();
                return;
            }
            // An attempt that started is allowed to finish even during shutdown; its timeout bounds it.
            using var activity = HooklineTelemetry.StartAttempt(delivery.Message.TraceParent, delivery.Message.Id, delivery.Endpoint.Id, delivery.AttemptCount + 1);
            var result = await _sender.SendAsync(delivery, CancellationToken.None);
            if (result.Release)
            {
                // A relay endpoint whose connection another node holds: give the delivery back unsent
                // (no attempt, the count unchanged) and wake every node, so the holder claims it.
                await _store.ReleaseAsync(delivery.DeliveryId, delivery.LeaseToken, _time.GetUtcNow() + RelayReleaseDelay, CancellationToken.None);
                _signal.Notify();
                return;
            }
            var outcome = Outcome(result);
            _metrics.AttemptMade(outcome, result.Duration);
            if (activity is not null)
            {
                activity.SetTag("hookline.delivery.outcome", outcome);
                if (result.StatusCode > 0)
                {
                    activity.SetTag("http.response.status_code", result.StatusCode);
                }
                if (!result.IsSuccess)
                {
                    activity.SetStatus(ActivityStatusCode.Error, result.Error ?? $"HTTP {result.StatusCode}");
                }
            }
            _completions.Writer.TryWrite(new RecordedDelivery(delivery, Decide(delivery, result)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down before the throttle slot came: the lease runs out and another node (or
            // this one after restart) sends it.
        }
        catch (Exception ex)
        {
            Log.SendFailed(_logger, delivery.DeliveryId, ex);
        }
    }

    /// <summary>The <c>outcome</c> label: a few fixed values, never the status code or the error text.</summary>
    private static string Outcome(AttemptResult result) =>
        result.IsSuccess ? "success"
        : result.StatusCode > 0 ? "http_error"
        : result.Error == AttemptSender.TimeoutMessage ? "timeout"
        : "network_error";

    private DeliveryCompletion Decide(ClaimedDelivery delivery, AttemptResult result)
    {
        var attemptsMade = delivery.AttemptCount + 1;
        var attempt = new MessageAttempt
        {
            Id = HooklineIds.New(HooklineIds.Attempt, result.StartedAt),
            MessageId = delivery.Message.Id,
            EndpointId = delivery.Endpoint.Id,
            AppId = delivery.Message.AppId,
            Url = delivery.Endpoint.Url,
            Status = result.IsSuccess ? MessageStatus.Success : MessageStatus.Fail,
            ResponseStatusCode = result.StatusCode,
            Response = result.Response.Length > 0 || result.Error is null ? result.Response : result.Error,
            ResponseDurationMs = (int)Math.Min(int.MaxValue, result.Duration.TotalMilliseconds),
            Timestamp = result.StartedAt,
            TriggerType = delivery.Trigger,
            Error = result.Error,
        };
        if (result.IsSuccess)
        {
            return Completion(DeliveryOutcome.Succeeded, null);
        }
        if (result.StatusCode == 410)
        {
            // 410 Gone: the receiver says this endpoint no longer exists.
            return Completion(DeliveryOutcome.Failed, null, disable: true);
        }
        if (delivery.Message.Payload is null)
        {
            return Completion(DeliveryOutcome.Failed, null);
        }
        var delay = _schedule.NextDelay(attemptsMade, Random.Shared);
        if (delay is null)
        {
            return Completion(DeliveryOutcome.Failed, null);
        }
        if (result.RetryAfter is { } retryAfter)
        {
            // Honour the receiver's Retry-After when it asks for more time than the schedule gives,
            // but never beyond the configured cap, so one header cannot park a delivery for days.
            var capped = retryAfter < _options.MaxRetryAfter ? retryAfter : _options.MaxRetryAfter;
            delay = capped > delay ? capped : delay;
        }
        return Completion(DeliveryOutcome.Retry, _time.GetUtcNow() + delay.Value);

        DeliveryCompletion Completion(DeliveryOutcome outcome, DateTimeOffset? next, bool disable = false) => new()
        {
            DeliveryId = delivery.DeliveryId,
            LeaseToken = delivery.LeaseToken,
            Attempt = attempt,
            Outcome = outcome,
            NextAttemptAt = next,
            DisableEndpoint = disable,
            DisableAfter = _options.DisableAfter,
        };
    }

    private async Task RecordCompletionsAsync()
    {
        var reader = _completions.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<RecordedDelivery>(CompletionBatchSize);
            while (batch.Count < CompletionBatchSize && reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            IReadOnlyList<EndpointDisabled> disabled;
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                try
                {
                    disabled = await _store.CompleteAsync(batch.ConvertAll(x => x.Completion), CancellationToken.None);
                    break;
                }
                catch (Exception ex)
                {
                    // Keep trying: dropping a completion would only cause a duplicate send after the
                    // lease expires, but recording it is what keeps the attempt log complete.
                    Log.RecordFailed(_logger, batch.Count, ex);
                    await Task.Delay(delay, _time, CancellationToken.None);
                    delay = delay < TimeSpan.FromSeconds(5) ? delay * 2 : delay;
                }
            }
            // Slots are free again: claim more right away.
            _signal.NotifyLocal();
            await NotifyObserversAsync(new RecordedBatch(batch, disabled));
        }
    }

    private async Task NotifyObserversAsync(RecordedBatch batch)
    {
        foreach (var observer in _observers)
        {
            try
            {
                // Not cancelled on shutdown: the recorder drains before the dispatcher stops, and
                // what it recorded is still reported.
                await observer.OnRecordedAsync(batch, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(_logger, observer.GetType().Name, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Claiming deliveries failed; retrying shortly")]
        public static partial void ClaimFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Error, "Sending delivery {DeliveryId} failed unexpectedly; its lease will expire and it will be retried")]
        public static partial void SendFailed(ILogger logger, long deliveryId, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "Recording {Count} delivery outcomes failed; retrying")]
        public static partial void RecordFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "Delivery observer {Observer} failed on a recorded batch")]
        public static partial void ObserverFailed(ILogger logger, string observer, Exception exception);

        [LoggerMessage(5, LogLevel.Debug, "Delivery {DeliveryId} to throttled endpoint {EndpointId} missed its slot; booking it again")]
        public static partial void SlotMissed(ILogger logger, long deliveryId, string endpointId);
    }
}
