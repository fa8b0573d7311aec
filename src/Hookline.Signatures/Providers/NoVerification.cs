namespace Hookline.Signatures.Providers;

/// <summary>
/// The <c>generic-webhook</c> type: accepts every request without any check. Only ever created
/// when that type is named explicitly; results say <see cref="VerificationResult.SignatureVerified"/> is false.
/// </summary>
internal sealed class NoVerification : IWebhookVerifier
{
    public static NoVerification Instance { get; } = new();

    public string Type => "generic-webhook";

    public VerificationResult Verify(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return VerificationResult.Unverified();
    }
}
