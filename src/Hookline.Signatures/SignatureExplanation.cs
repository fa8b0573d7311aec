namespace Hookline.Signatures;

/// <summary>
/// What a scheme signs for one request and the signature it expects there, for tools that explain
/// a mismatch (<c>hookline verify --explain</c>). Never used to accept a request: compare with
/// <see cref="IWebhookVerifier.Verify"/> only.
/// </summary>
/// <param name="Header">The header the signature is read from, e.g. <c>Stripe-Signature</c>.</param>
/// <param name="Algorithm">How the signature is made, e.g. <c>HMAC-SHA256, hex</c>.</param>
/// <param name="SignedContent">The exact bytes the scheme signs for this request (built from its headers, URL and body).</param>
/// <param name="ExpectedSignatures">The values the header would hold (or contain) for these bytes and the configured secrets; empty when the configuration holds only public keys.</param>
/// <param name="Note">What was missing to build the content (a header or URL, taken as empty), or <see langword="null"/>.</param>
public sealed record SignatureExplanation(
    string Header,
    string Algorithm,
    ReadOnlyMemory<byte> SignedContent,
    IReadOnlyList<string> ExpectedSignatures,
    string? Note = null);

/// <summary>Implemented by verifiers that can show their signed content (the HMAC schemes and Standard Webhooks).</summary>
internal interface IExplainingVerifier
{
    SignatureExplanation Explain(WebhookRequest request);
}
