using Hookline.Receiver.AspNetCore;

namespace Hookline.Samples.Receiver;

/// <summary>Stripe events: records paid amounts, idempotently (Stripe's event id is the delivery id).</summary>
public static class StripeHandler
{
    public static async Task HandleAsync(WebhookEvent e, Ledger ledger, CancellationToken ct)
    {
        var type = e.Json.GetProperty("type").GetString();
        if (type is not ("charge.succeeded" or "payment_intent.succeeded"))
        {
            return; // Acknowledged and ignored.
        }
        var payment = e.Json.GetProperty("data").GetProperty("object");
        // False when this event was applied by an earlier run (a retry after a crash, say).
        await ledger.ApplyOnceAsync(e.DeliveryId, (connection, transaction) =>
            Ledger.AddEntryAsync(connection, transaction,
                new LedgerEntry("stripe", payment.GetProperty("id").GetString() ?? e.DeliveryId, type, payment.GetProperty("amount").GetInt64()), ct), ct);
    }
}
