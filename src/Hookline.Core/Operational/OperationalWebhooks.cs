using System.Text.Json;
using System.Text.Json.Serialization;
using Hookline.Core.Ids;
using Hookline.Core.Messages;
using Hookline.Core.Model;
using Hookline.Core.Storage;

namespace Hookline.Core.Operational;

/// <summary>
/// Operational webhooks tell the admin what happened to endpoints and deliveries
/// (<c>endpoint.disabled</c>, <c>message.attempt.exhausted</c>, …). They are ordinary messages of a
/// hidden application whose endpoints the admin manages under <c>/api/v1/operational-webhook/</c>,
/// so they get the same signing, retries and attempt log as everything else.
/// </summary>
public sealed class OperationalWebhooks
{
    /// <summary>The uid of the hidden application holding operational endpoints.</summary>
    public const string ApplicationUid = "hookline-operational";

    public const string EndpointCreated = "endpoint.created";
    public const string EndpointUpdated = "endpoint.updated";
    public const string EndpointDeleted = "endpoint.deleted";
    public const string EndpointDisabled = "endpoint.disabled";
    public const string MessageAttemptExhausted = "message.attempt.exhausted";
    public const string MessageAttemptFailing = "message.attempt.failing";
    public const string MessageAttemptRecovered = "message.attempt.recovered";

    /// <summary>Every event type an operational endpoint can receive.</summary>
    public static readonly IReadOnlyList<string> EventTypes =
    [
        EndpointCreated, EndpointUpdated, EndpointDeleted, EndpointDisabled,
        MessageAttemptExhausted, MessageAttemptFailing, MessageAttemptRecovered,
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly IApplicationStore _applications;
    private readonly MessageService _messages;
    private readonly TimeProvider _time;
    private Application? _application;

    public OperationalWebhooks(IApplicationStore applications, MessageService messages, TimeProvider time)
    {
        _applications = applications;
        _messages = messages;
        _time = time;
    }

    /// <summary>The hidden application, created on first use (racing nodes settle on one by uid).</summary>
    public async Task<Application> GetApplicationAsync(CancellationToken cancellationToken)
    {
        if (_application is { } cached)
        {
            return cached;
        }
        var existing = await _applications.GetApplicationAsync(ApplicationUid, cancellationToken);
        if (existing is null)
        {
            var now = _time.GetUtcNow();
            var created = new Application
            {
                Id = HooklineIds.New(HooklineIds.Application, now),
                Uid = ApplicationUid,
                Name = "Hookline operational webhooks",
                Kind = ApplicationKind.Operational,
                CreatedAt = now,
                UpdatedAt = now,
            };
            try
            {
                await _applications.CreateApplicationAsync(created, cancellationToken);
                existing = created;
            }
            catch (StoreConflictException)
            {
                existing = await _applications.GetApplicationAsync(ApplicationUid, cancellationToken)
                    ?? throw new InvalidOperationException("The operational webhook application vanished while being created.");
            }
        }
        _application = existing;
        return existing;
    }

    /// <summary>Sends <c>{"type": …, "data": …}</c> to every operational endpoint subscribed to the type.</summary>
    public async Task PublishAsync<TData>(string type, TData data, CancellationToken cancellationToken)
    {
        var application = await GetApplicationAsync(cancellationToken);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new OperationalEvent<TData>(type, data), Json);
        await _messages.CreateAsync(application, new MessageDraft { EventType = type, Payload = payload }, cancellationToken);
    }

    private sealed record OperationalEvent<TData>(string Type, TData Data);
}

/// <summary><c>endpoint.created</c>, <c>endpoint.updated</c>, <c>endpoint.deleted</c>.</summary>
public sealed record EndpointEventData(string AppId, string? AppUid, string EndpointId, string? EndpointUid);

/// <summary><c>endpoint.disabled</c>.</summary>
public sealed record EndpointDisabledEventData(string AppId, string? AppUid, string EndpointId, string? EndpointUid, DateTimeOffset FailSince);

public sealed record LastAttempt(string Id, int ResponseStatusCode, DateTimeOffset Timestamp);

/// <summary><c>message.attempt.exhausted</c>, <c>.failing</c>, <c>.recovered</c>.</summary>
public sealed record MessageAttemptEventData(string AppId, string? AppUid, string EndpointId, string MsgId, string? MsgEventId, LastAttempt LastAttempt);
