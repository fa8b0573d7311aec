using System.Globalization;

namespace Hookline.Signatures;

/// <summary>
/// The outcome of verifying one webhook request: whether it is authentic, and if not, why.
/// </summary>
/// <remarks>
/// Deliberately not convertible to <see cref="bool"/> and without <c>operator true</c>: callers
/// must read <see cref="IsValid"/> (or call <see cref="ThrowIfInvalid"/>), which keeps
/// <c>if (verifier.Verify(request))</c>-style accidents from compiling.
/// </remarks>
public sealed class VerificationResult
{
    private VerificationResult(
        bool isValid,
        bool signatureVerified,
        VerificationFailure failure,
        string message,
        string? header,
        int signaturesTried,
        long? skewSeconds,
        string? deliveryId,
        DateTimeOffset? timestamp,
        HandshakeResponse? handshake)
    {
        IsValid = isValid;
        SignatureVerified = signatureVerified;
        Failure = failure;
        Message = message;
        Header = header;
        SignaturesTried = signaturesTried;
        SkewSeconds = skewSeconds;
        DeliveryId = deliveryId;
        Timestamp = timestamp;
        Handshake = handshake;
    }

    /// <summary>Whether the request may be accepted.</summary>
    public bool IsValid { get; }

    /// <summary>
    /// Whether a signature or token was actually checked. <see langword="false"/> only for the
    /// explicit no-verification type (<c>generic-webhook</c>) and for failures.
    /// </summary>
    public bool SignatureVerified { get; }

    /// <summary>Why verification failed; <see cref="VerificationFailure.None"/> when <see cref="IsValid"/>.</summary>
    public VerificationFailure Failure { get; }

    /// <summary>A short human explanation, safe to return to the caller (it never contains secret material).</summary>
    public string Message { get; }

    /// <summary>The header concerned by the failure, when there is one.</summary>
    public string? Header { get; }

    /// <summary>How many well-formed signatures were compared (0 when verification stopped earlier).</summary>
    public int SignaturesTried { get; }

    /// <summary>
    /// For timestamp failures, how far the signed timestamp is from now in seconds (positive: in the
    /// past, negative: in the future).
    /// </summary>
    public long? SkewSeconds { get; }

    /// <summary>
    /// The provider's delivery id for deduplication (<c>webhook-id</c>, <c>X-GitHub-Delivery</c>,
    /// Stripe's event id, …), or <see langword="null"/> when the scheme has none; the caller then
    /// deduplicates on a hash of the body.
    /// </summary>
    public string? DeliveryId { get; }

    /// <summary>The signed timestamp, when the scheme has one.</summary>
    public DateTimeOffset? Timestamp { get; }

    /// <summary>
    /// An automatic answer the provider expects (URL validation, challenge echo, ping), or
    /// <see langword="null"/>. Only set on valid results: handshakes are verified first.
    /// </summary>
    public HandshakeResponse? Handshake { get; }

    /// <summary>Creates a successful result.</summary>
    /// <param name="deliveryId">The provider's delivery id, if any.</param>
    /// <param name="timestamp">The signed timestamp, if any.</param>
    /// <param name="handshake">The automatic answer the provider expects, if any.</param>
    /// <returns>A valid result.</returns>
    public static VerificationResult Success(string? deliveryId = null, DateTimeOffset? timestamp = null, HandshakeResponse? handshake = null) =>
        new(true, true, VerificationFailure.None, "Signature verified.", null, 0, null, deliveryId, timestamp, handshake);

    /// <summary>
    /// Creates a result that accepts the request without any check. Only the explicitly chosen
    /// no-verification type uses it.
    /// </summary>
    /// <returns>A valid result whose <see cref="SignatureVerified"/> is <see langword="false"/>.</returns>
    public static VerificationResult Unverified() =>
        new(true, false, VerificationFailure.None, "Accepted without verification (the source is configured with no signature check).", null, 0, null, null, null, null);

    /// <summary>Creates a failed result.</summary>
    /// <param name="failure">The reason; must not be <see cref="VerificationFailure.None"/>.</param>
    /// <param name="message">A human explanation without secret material.</param>
    /// <param name="header">The header concerned, if any.</param>
    /// <param name="signaturesTried">How many signatures were compared.</param>
    /// <param name="skewSeconds">For timestamp failures, the skew in seconds.</param>
    /// <returns>An invalid result.</returns>
    public static VerificationResult Fail(VerificationFailure failure, string message, string? header = null, int signaturesTried = 0, long? skewSeconds = null)
    {
        if (failure == VerificationFailure.None)
        {
            throw new ArgumentOutOfRangeException(nameof(failure), "A failed result needs a failure reason.");
        }

        ArgumentException.ThrowIfNullOrEmpty(message);
        return new VerificationResult(false, false, failure, message, header, signaturesTried, skewSeconds, null, null, null);
    }

    /// <summary>Throws <see cref="WebhookVerificationException"/> unless the request is valid.</summary>
    /// <returns>This result, for chaining.</returns>
    /// <exception cref="WebhookVerificationException">The request failed verification.</exception>
    public VerificationResult ThrowIfInvalid() => IsValid ? this : throw new WebhookVerificationException(this);

    /// <inheritdoc />
    public override string ToString() => IsValid
        ? (DeliveryId is null ? "Valid" : string.Create(CultureInfo.InvariantCulture, $"Valid (delivery {DeliveryId})"))
        : string.Create(CultureInfo.InvariantCulture, $"{Failure}: {Message}");
}
