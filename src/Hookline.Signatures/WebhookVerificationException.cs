namespace Hookline.Signatures;

/// <summary>Thrown by <see cref="VerificationResult.ThrowIfInvalid"/> for a request that failed verification.</summary>
public sealed class WebhookVerificationException : Exception
{
    /// <summary>Creates the exception for a failed result.</summary>
    /// <param name="result">The failed result.</param>
    public WebhookVerificationException(VerificationResult result)
        : base((result ?? throw new ArgumentNullException(nameof(result))).Message) => Result = result;

    /// <summary>Creates the exception with a message only.</summary>
    public WebhookVerificationException()
        : this(VerificationResult.Fail(VerificationFailure.NoMatchingSignature, "Webhook verification failed."))
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public WebhookVerificationException(string message)
        : this(VerificationResult.Fail(VerificationFailure.NoMatchingSignature, message))
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookVerificationException(string message, Exception innerException)
        : base(message, innerException) =>
        Result = VerificationResult.Fail(VerificationFailure.NoMatchingSignature, message);

    /// <summary>The failed result, with its typed reason.</summary>
    public VerificationResult Result { get; }
}
