namespace Hookline.Receiver.AspNetCore;

/// <summary>
/// A webhook handler as a class, for <c>MapWebhook(…).Handle&lt;THandler&gt;()</c>. It is resolved from
/// a new DI scope for every run (or created with its constructor's services when not registered).
/// </summary>
/// <remarks>
/// Runs at least once per delivery: after a crash, or when the result could not be recorded, it runs
/// again. Make it idempotent, for example by recording <see cref="WebhookEvent.DeliveryId"/> in the
/// same transaction as the work it does.
/// </remarks>
public interface IWebhookHandler
{
    /// <summary>Handles one received webhook. Throw to fail the attempt (it is retried with backoff).</summary>
    /// <param name="webhookEvent">The verified request.</param>
    /// <param name="cancellationToken">Cancelled at the handler timeout and on shutdown.</param>
    /// <returns>A task that completes when the event is handled.</returns>
    Task HandleAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken);
}
