using Hookline.Core.Model;
using Hookline.Signatures;

namespace Hookline.Core.Ingest;

/// <summary>A request as it arrived at an ingest URL.</summary>
/// <param name="Url">The public URL the provider called (Twilio and Square sign it).</param>
public sealed record IngestHttpRequest(string Method, string Url, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>
/// What became of a request posted to an ingest URL. The host turns it into the answer to the
/// provider (status, content type, body); Core only says what happened.
/// </summary>
public sealed record IngestResult
{
    private IngestResult(IngestOutcome outcome) => Outcome = outcome;

    /// <summary><see cref="IngestOutcome.Accepted"/>, <see cref="IngestOutcome.Duplicate"/>, <see cref="IngestOutcome.Rejected"/> or <see cref="IngestOutcome.Handshake"/>.</summary>
    public IngestOutcome Outcome { get; }

    /// <summary>Accepted: the message the request became. Duplicate: the first request's message. Otherwise null.</summary>
    public string? MessageId { get; private init; }

    /// <summary>Rejected: why verification failed, in words meant for the provider. Otherwise null.</summary>
    public string? Reason { get; private init; }

    /// <summary>Handshake: the answer the provider's scheme expects (Slack's challenge, Zoom's encrypted token). Otherwise null.</summary>
    public HandshakeResponse? Handshake { get; private init; }

    /// <summary>Verified, stored, and queued for the source's endpoints as <paramref name="messageId"/>.</summary>
    public static IngestResult Accepted(string messageId) => new(IngestOutcome.Accepted) { MessageId = messageId };

    /// <summary>Verified, but the source already accepted this delivery id (or body): not forwarded again.</summary>
    public static IngestResult Duplicate(string firstMessageId) => new(IngestOutcome.Duplicate) { MessageId = firstMessageId };

    /// <summary>Verification failed; logged, not forwarded.</summary>
    public static IngestResult Rejected(string reason) => new(IngestOutcome.Rejected) { Reason = reason };

    /// <summary>A provider handshake, to be answered as the scheme says; logged, not forwarded.</summary>
    public static IngestResult HandshakeAnswer(HandshakeResponse handshake) => new(IngestOutcome.Handshake) { Handshake = handshake };
}

/// <summary>What became of a request to replay a logged ingest request.</summary>
public enum IngestReplayOutcome
{
    /// <summary>The message was queued again, now, to <see cref="IngestReplayResult.EndpointIds"/>.</summary>
    Queued = 0,

    /// <summary>The request was rejected, a handshake or too large: it never became a message, and replaying it would skip verification.</summary>
    NotReplayable = 1,

    /// <summary>The request's message no longer exists.</summary>
    MessageGone = 2,

    /// <summary>The message's payload was expunged or has expired.</summary>
    PayloadUnavailable = 3,

    /// <summary>The endpoint asked for is not one of the source's.</summary>
    EndpointNotFound = 4,
}

/// <param name="MessageId">The message sent again (when it still exists).</param>
/// <param name="EndpointIds">For <see cref="IngestReplayOutcome.Queued"/>: the endpoints it was queued to (possibly none).</param>
public sealed record IngestReplayResult(IngestReplayOutcome Outcome, string? MessageId = null, IReadOnlyList<string>? EndpointIds = null);
