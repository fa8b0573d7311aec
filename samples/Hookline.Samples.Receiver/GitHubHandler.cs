using Hookline.Receiver.AspNetCore;

namespace Hookline.Samples.Receiver;

/// <summary>GitHub pushes: records one entry per push, idempotently (X-GitHub-Delivery is the delivery id).</summary>
public sealed class GitHubHandler(Ledger ledger) : IWebhookHandler
{
    public async Task HandleAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        if (!webhookEvent.Headers.TryGetValue("X-GitHub-Event", out var kind) || kind != "push")
        {
            return;
        }
        var push = webhookEvent.Deserialize<Push>();
        await ledger.ApplyOnceAsync(webhookEvent.DeliveryId, (connection, transaction) =>
            Ledger.AddEntryAsync(connection, transaction,
                new LedgerEntry("github", push?.After ?? webhookEvent.DeliveryId, $"push to {push?.Ref} of {push?.Repository?.FullName}", null), cancellationToken),
            cancellationToken);
    }

    private sealed record Push(string? Ref, string? After, Repository? Repository);

    private sealed record Repository([property: System.Text.Json.Serialization.JsonPropertyName("full_name")] string? FullName);
}
