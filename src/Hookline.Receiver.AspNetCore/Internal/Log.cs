using Microsoft.Extensions.Logging;

namespace Hookline.Receiver.AspNetCore.Internal;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Webhook {Webhook} rejected: {Failure}: {Reason}")]
    public static partial void Rejected(ILogger logger, string webhook, string failure, string reason);

    [LoggerMessage(2, LogLevel.Error, "Webhook {Webhook} could not be stored; answered 503 so the provider retries")]
    public static partial void StoreFailed(ILogger logger, string webhook, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Handler of webhook {Webhook} failed on delivery {DeliveryId} (attempt {Attempt}); retrying in {Delay}")]
    public static partial void HandlerRetry(ILogger logger, string webhook, string deliveryId, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(4, LogLevel.Error, "Handler of webhook {Webhook} failed on delivery {DeliveryId} at its last attempt ({Attempt}); it is a dead letter now")]
    public static partial void HandlerDead(ILogger logger, string webhook, string deliveryId, int attempt, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Claiming inbox events failed; trying again shortly")]
    public static partial void ClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Recording the outcome of inbox event {Id} failed; trying again")]
    public static partial void CompleteFailed(ILogger logger, long id, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Inbox event {Id} was claimed again by another worker (its lease ran out); this worker's outcome is dropped")]
    public static partial void LeaseLost(ILogger logger, long id);

    [LoggerMessage(8, LogLevel.Warning, "Handler of webhook {Webhook} is still running on delivery {DeliveryId} past its timeout and ignores cancellation; its lease is kept until it returns")]
    public static partial void HandlerOverran(ILogger logger, string webhook, string deliveryId);

    [LoggerMessage(9, LogLevel.Warning, "Purging handled inbox events failed")]
    public static partial void PurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "The inbox store is not reachable yet; retrying")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(11, LogLevel.Debug, "Webhook {Webhook} delivery {DeliveryId} is a duplicate of inbox event {Id}; acknowledged without running it again")]
    public static partial void Duplicate(ILogger logger, string webhook, string deliveryId, long id);

    [LoggerMessage(12, LogLevel.Warning, "Renewing the lease of inbox event {Id} failed; trying again at the next renewal")]
    public static partial void RenewFailed(ILogger logger, long id, Exception exception);

    [LoggerMessage(13, LogLevel.Debug, "Waking the workers of other processes sharing the inbox failed; they will find the event at their next poll")]
    public static partial void NotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(14, LogLevel.Warning, "Listening for inbox wake-ups from other processes failed; listening again (meanwhile the worker polls)")]
    public static partial void ListenFailed(ILogger logger, Exception exception);
}
