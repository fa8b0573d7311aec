namespace Hookline.Signatures;

/// <summary>
/// Verifies webhook requests of one scheme with one configuration. Implementations are immutable
/// and thread-safe: create one per source and reuse it for every request.
/// </summary>
public interface IWebhookVerifier
{
    /// <summary>The verifier type name, for example <c>stripe</c> (see <see cref="WebhookVerifiers.KnownTypes"/>).</summary>
    string Type { get; }

    /// <summary>Verifies <paramref name="request"/>. Never throws for bad input: the result says why it failed.</summary>
    /// <param name="request">The request as received.</param>
    /// <returns>The outcome.</returns>
    VerificationResult Verify(WebhookRequest request);
}
