using System.Diagnostics;
using Hookline.Core.Diagnostics;
using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Core.Messages;

/// <summary>What a caller sends: Svix's <c>MessageIn</c> after validation.</summary>
public sealed record MessageDraft
{
    public required string EventType { get; init; }

    /// <summary>The payload's exact bytes (a JSON object), kept as received.</summary>
    public required byte[] Payload { get; init; }
    public string? EventId { get; init; }
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>Retention of the payload; null means the default.</summary>
    public TimeSpan? PayloadRetention { get; init; }
    public string? TraceParent { get; init; }
    public IReadOnlyDictionary<string, string>? ExtraHeaders { get; init; }
}

public sealed record MessageCreated(Message Message, bool Duplicate, int EndpointCount);

/// <summary>
/// Accepts a message for an application: matches it to endpoints (event-type filter, channels,
/// enabled) and writes it with one delivery per endpoint before returning.
/// </summary>
public sealed class MessageService
{
    /// <summary>Svix keeps payloads 90 days unless told otherwise.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(90);

    private readonly IEndpointStore _endpoints;
    private readonly MessageWriter _writer;
    private readonly TimeProvider _time;

    public MessageService(IEndpointStore endpoints, MessageWriter writer, TimeProvider time)
    {
        _endpoints = endpoints;
        _writer = writer;
        _time = time;
    }

    /// <returns>
    /// The message as stored. When <see cref="MessageDraft.EventId"/> was already used in this
    /// application, nothing is written and <see cref="MessageCreated.Duplicate"/> is true with the
    /// first message.
    /// </returns>
    public async Task<MessageCreated> CreateAsync(Application application, MessageDraft draft, CancellationToken cancellationToken)
    {
        // The trace context stored with the message is this span's: every attempt, whenever and
        // wherever it runs, becomes its child (see HooklineTelemetry.StartAttempt).
        using var activity = HooklineTelemetry.Source.StartActivity("hookline.message.accept");
        var now = _time.GetUtcNow();
        var message = new Message
        {
            Id = HooklineIds.New(HooklineIds.Message, now),
            AppId = application.Id,
            EventId = draft.EventId,
            EventType = draft.EventType,
            Payload = draft.Payload,
            Channels = draft.Channels is { Count: > 0 } ? draft.Channels : null,
            CreatedAt = now,
            PayloadExpiresAt = now + (draft.PayloadRetention ?? DefaultRetention),
            TraceParent = activity?.Id ?? draft.TraceParent,
            ExtraHeaders = draft.ExtraHeaders,
        };
        var endpoints = await MatchingEndpointsAsync(application.Id, message.EventType, message.Channels, cancellationToken);
        var targets = new List<string>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            targets.Add(endpoint.Id);
        }
        var result = await _writer.WriteAsync(new NewMessage(message, targets), cancellationToken);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("hookline.message.id", result.Outcome == MessageInsertOutcome.DuplicateEventId ? result.Existing!.Id : message.Id);
            activity.SetTag("hookline.event_type", message.EventType);
            activity.SetTag("hookline.endpoint.count", targets.Count);
            activity.SetTag("hookline.message.duplicate", result.Outcome == MessageInsertOutcome.DuplicateEventId);
        }
        return result.Outcome == MessageInsertOutcome.DuplicateEventId
            ? new MessageCreated(result.Existing!, Duplicate: true, 0)
            : new MessageCreated(message, Duplicate: false, targets.Count);
    }

    /// <summary>
    /// The one matching rule: the application's endpoints a message of this event type on these
    /// channels goes to — enabled, and their event-type filter and channels take it (see
    /// <see cref="Endpoint.Accepts"/>). Fan-out, the precheck and ingest replay all ask here, so they
    /// cannot disagree.
    /// </summary>
    /// <param name="channels">The message's channels; null or empty for none.</param>
    public async Task<IReadOnlyList<Endpoint>> MatchingEndpointsAsync(
        string appId, string eventType, IReadOnlyList<string>? channels, CancellationToken cancellationToken)
    {
        var endpoints = await _endpoints.GetAllEndpointsAsync(appId, cancellationToken);
        var matching = new List<Endpoint>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            if (!endpoint.Disabled && endpoint.Accepts(eventType, channels))
            {
                matching.Add(endpoint);
            }
        }
        return matching;
    }
}
