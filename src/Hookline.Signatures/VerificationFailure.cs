namespace Hookline.Signatures;

/// <summary>Why a webhook request failed verification.</summary>
public enum VerificationFailure
{
    /// <summary>No failure: the request verified (or verification was explicitly switched off).</summary>
    None = 0,

    /// <summary>A header the scheme needs is absent (see <see cref="VerificationResult.Header"/>).</summary>
    MissingHeader,

    /// <summary>A header is present but cannot be parsed (bad syntax, bad hex/base64, conflicting duplicates).</summary>
    MalformedHeader,

    /// <summary>The signed timestamp is older than the tolerance allows.</summary>
    TimestampTooOld,

    /// <summary>The signed timestamp is further in the future than the tolerance allows.</summary>
    TimestampInFuture,

    /// <summary>Signatures were present and well-formed but none matched any configured secret.</summary>
    NoMatchingSignature,

    /// <summary>The secret or key is unusable for this scheme (wrong format, wrong prefix, bad encoding).</summary>
    InvalidSecret,

    /// <summary>The scheme signs data inside the body (or a body hash) and that data is missing or malformed.</summary>
    MalformedBody,

    /// <summary>The body does not match the body hash that the signature covers (Twilio <c>bodySHA256</c>).</summary>
    BodyHashMismatch,

    /// <summary>The scheme signs the request URL and none was given to the verifier.</summary>
    MissingUrl,

    /// <summary>The verifier's configuration is invalid (unknown type, missing or bad config keys).</summary>
    InvalidConfiguration,
}
