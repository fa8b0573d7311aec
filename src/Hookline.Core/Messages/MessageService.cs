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

    /// <summary>Svix message tags, stored for filtering the message and attempt lists; they do not affect delivery.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Retention of the payload; null means the default.</summary>
    public TimeSpan? PayloadRetention { get; init; }
    public string? TraceParent { get; init; }
    public IReadOnlyDictionary<string, string>? ExtraHeaders { get; init; }

    /// <summary>Scheduled delivery (Svix <c>deliverAt</c>): when the deliveries first fall due; null or past for at once.</summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>
    /// For a request received at an ingest URL (set by <see cref="Ingest.IngestService"/> only): its
    /// log entry, written in the message's transaction and deduplicated on its
    /// <see cref="IngestRequestRecord.DedupeKey"/>. Such a message continues the ingest request's
    /// span rather than starting a <c>hookline.message.accept</c> one.
    /// </summary>
    public IngestRequestRecord? IngestRequest { get; internal init; }
}

/// <param name="Duplicate">
/// Nothing was written because the message was already accepted (the same <c>eventId</c> in the
/// application, or for an ingest request the same delivery id at the source); <see cref="Message"/>
/// is the first one.
/// </param>
public sealed record MessageCreated(Message Message, bool Duplicate, int EndpointCount);

/// <summary>
/// Accepts a message for an application: matches it to endpoints (event-type filter, channels,
/// enabled) and writes it with one delivery per endpoint before returning. The way in for messages
/// from the API, from ingest URLs and for operational webhooks.
/// </summary>
public sealed class MessageService
{
    /// <summary>Svix keeps payloads 90 days unless told otherwise.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(90);

    private readonly IEndpointStore _endpoints;
    private readonly IApplicationStore _applications;
    private readonly MessageWriter _writer;
    private readonly TimeProvider _time;

    public MessageService(IEndpointStore endpoints, IApplicationStore applications, MessageWriter writer, TimeProvider time)
    {
        _endpoints = endpoints;
        _applications = applications;
        _writer = writer;
        _time = time;
    }

    /// <returns>
    /// The message as stored. When <see cref="MessageDraft.EventId"/> was already used in this
    /// application (or an ingest request's delivery id at its source), nothing but the ingest log
    /// entry is written and <see cref="MessageCreated.Duplicate"/> is true with the first message.
    /// </returns>
    public Task<MessageCreated> CreateAsync(Application application, MessageDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        return CreateAsync(application.Id, application, draft, onlyEndpoints: null, cancellationToken);
    }

    /// <summary>
    /// Accepts a message for one endpoint of the application alone, whatever its filters and whatever
    /// the other endpoints subscribe to: Svix's "send example". Everything else is as for
    /// <see cref="CreateAsync(Application, MessageDraft, CancellationToken)"/> (one write, the accept span, the metrics).
    /// </summary>
    public Task<MessageCreated> CreateForEndpointAsync(Application application, Endpoint endpoint, MessageDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(endpoint);
        return CreateAsync(application.Id, application, draft, [endpoint.Id], cancellationToken);
    }

    /// <summary>
    /// The one create path (<see cref="CreateAsync(Application, MessageDraft, CancellationToken)"/>),
    /// by application id: ingest knows its source's hidden application only by id.
    /// </summary>
    internal Task<MessageCreated> CreateAsync(string appId, MessageDraft draft, CancellationToken cancellationToken) =>
        CreateAsync(appId, application: null, draft, onlyEndpoints: null, cancellationToken);

    /// <param name="application">The application when the caller has it, else null (it is then read, from the store's cache, when a delivery might be handed to this node's dispatcher: its throttle rate decides).</param>
    /// <param name="onlyEndpoints">The endpoints the message goes to, when chosen by the caller rather than matched.</param>
    private async Task<MessageCreated> CreateAsync(string appId, Application? application, MessageDraft draft, IReadOnlyList<string>? onlyEndpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        // The trace context stored with the message is this span's: every attempt, whenever and
        // wherever it runs, becomes its child (see HooklineTelemetry.StartAttempt). An ingest request
        // already has its span (hookline.ingest.receive), passed in the draft's TraceParent.
        using var activity = draft.IngestRequest is null ? HooklineTelemetry.Source.StartActivity("hookline.message.accept") : null;
        var now = _time.GetUtcNow();
        var message = new Message
        {
            Id = HooklineIds.New(HooklineIds.Message, now),
            AppId = appId,
            EventId = draft.EventId,
            EventType = draft.EventType,
            Payload = draft.Payload,
            Channels = draft.Channels is { Count: > 0 } ? draft.Channels : null,
            Tags = draft.Tags is { Count: > 0 } ? draft.Tags : null,
            CreatedAt = now,
            PayloadExpiresAt = now + (draft.PayloadRetention ?? DefaultRetention),
            TraceParent = activity?.Id ?? draft.TraceParent,
            ExtraHeaders = draft.ExtraHeaders,
        };
        IReadOnlyList<string> targets;
        List<Endpoint>? handOff = null;
        if (onlyEndpoints is not null)
        {
            targets = onlyEndpoints;
        }
        else
        {
            var matched = await MatchingEndpointsAsync(appId, message.EventType, message.Channels, cancellationToken);
            targets = [.. matched.Select(e => e.Id)];
            // Deliveries due now to unordered, unthrottled endpoints may skip the claim (see MessageWriter).
            if (matched.Count > 0 && (draft.DeliverAt is null || draft.DeliverAt <= now)
                && (application ?? await _applications.GetApplicationAsync(appId, cancellationToken)) is { } owner)
            {
                handOff = [.. matched.Where(e => !e.Ordered && (e.ThrottleRate ?? owner.ThrottleRate) is null)];
            }
        }
        var result = await _writer.WriteAsync(new NewMessage(message, targets, draft.IngestRequest, draft.DeliverAt), handOff, cancellationToken);
        // DuplicateEventId for an eventId seen before, DuplicateDelivery for an ingest request's delivery id.
        var duplicate = result.Outcome != MessageInsertOutcome.Created;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("hookline.message.id", duplicate ? result.Existing!.Id : message.Id);
            activity.SetTag("hookline.event_type", message.EventType);
            activity.SetTag("hookline.endpoint.count", targets.Count);
            activity.SetTag("hookline.message.duplicate", duplicate);
        }
        return duplicate
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
            if (Receives(endpoint, eventType, channels))
            {
                matching.Add(endpoint);
            }
        }
        return matching;
    }

    /// <summary>
    /// The matching rule for one endpoint: enabled, and its event-type filter and channels take the
    /// message. <see cref="MatchingEndpointsAsync"/> applies it to every endpoint of an application;
    /// replaying missing messages to one endpoint applies it to that endpoint.
    /// </summary>
    public static bool Receives(Endpoint endpoint, string eventType, IReadOnlyList<string>? channels)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return !endpoint.Disabled && endpoint.Accepts(eventType, channels);
    }
}
