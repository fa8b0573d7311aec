using Hookline.Core.Delivery;
using Hookline.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Hookline.Core.Operational;

/// <summary>
/// Turns what the dispatcher recorded into operational webhooks: <c>endpoint.disabled</c>, and
/// <c>message.attempt.exhausted</c>, <c>.failing</c> and <c>.recovered</c>. It observes the engine
/// (<see cref="IDeliveryObserver"/>), so delivery knows nothing of operational webhooks.
/// </summary>
internal sealed partial class DeliveryOutcomeReporter : IDeliveryObserver
{
    /// <summary>Svix sends <c>message.attempt.failing</c> on the fourth failed attempt in a row.</summary>
    private const int FailingAfterAttempts = 4;

    private readonly OperationalWebhooks _operational;
    private readonly ILogger<DeliveryOutcomeReporter> _logger;
    private string? _operationalAppId;

    public DeliveryOutcomeReporter(OperationalWebhooks operational, ILogger<DeliveryOutcomeReporter> logger)
    {
        _operational = operational;
        _logger = logger;
    }

    /// <summary>Creates the hidden application if needed and learns its id, before anything is delivered.</summary>
    public async Task StartAsync(CancellationToken cancellationToken) =>
        _operationalAppId = (await _operational.GetApplicationAsync(cancellationToken)).Id;

    public async Task OnRecordedAsync(RecordedBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var off in batch.DisabledEndpoints)
            {
                if (off.AppId != _operationalAppId)
                {
                    await _operational.PublishAsync(OperationalWebhooks.EndpointDisabled,
                        new EndpointDisabledEventData(off.AppId, null, off.EndpointId, off.EndpointUid, off.FailingSince), cancellationToken);
                }
            }
            foreach (var (delivery, completion) in batch.Deliveries)
            {
                // Operational endpoints failing must not report on themselves, or one dead receiver
                // would feed an endless loop of events about its own failures.
                if (delivery.Message.AppId == _operationalAppId)
                {
                    continue;
                }
                var attemptsMade = delivery.AttemptCount + 1;
                var type = completion.Outcome switch
                {
                    DeliveryOutcome.Failed => OperationalWebhooks.MessageAttemptExhausted,
                    DeliveryOutcome.Retry when attemptsMade == FailingAfterAttempts => OperationalWebhooks.MessageAttemptFailing,
                    DeliveryOutcome.Succeeded when attemptsMade > FailingAfterAttempts => OperationalWebhooks.MessageAttemptRecovered,
                    _ => null,
                };
                if (type is null)
                {
                    continue;
                }
                var a = completion.Attempt;
                await _operational.PublishAsync(type, new MessageAttemptEventData(
                    a.AppId, null, a.EndpointId, a.MessageId, delivery.Message.EventId,
                    new LastAttempt(a.Id, a.ResponseStatusCode, a.Timestamp)), cancellationToken);
            }
        }
        catch (Exception ex)
        {
            // The rest of this batch's events are dropped with it: they are a notification, and the
            // attempts they describe are recorded and listed by the API whatever happens here.
            Log.OperationalEventFailed(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Publishing an operational webhook failed")]
        public static partial void OperationalEventFailed(ILogger logger, Exception exception);
    }
}
