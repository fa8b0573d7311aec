using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Hookline.Core.Ids;
using Hookline.Core.Messages;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.OpenApi;
using Hookline.Server.Applications;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Messages;

internal static class MessageApi
{
    public const int MinRetentionDays = 5;
    public const int MaxRetentionDays = 90;
    public const int MaxChannels = 5;

    /// <summary>Svix's <c>MessageIn.tags</c>: 1–5 unique names (<c>^[a-zA-Z0-9\-_.]+$</c>) of up to 128 characters.</summary>
    public const int MaxTags = 5;
    public const int MaxTagLength = 128;
    public static readonly TimeSpan MaxDeliverAhead = TimeSpan.FromHours(24);
    public const int MaxRetentionHours = MaxRetentionDays * 24;

    public static RouteGroupBuilder MapMessageApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/app/{app_id}/msg").WithTags("Message");
        group.MapGet("/", ListAsync).WithName("v1.message.list").WithSummary("List Messages");
        group.MapPost("/", CreateAsync).WithName("v1.message.create").WithSummary("Create Message").AcceptsJson<MessageIn>();
        group.MapPost("/precheck/active", PrecheckAsync).WithName("v1.message.precheck").WithSummary("Would a message reach any endpoint?")
            .AcceptsJson<MessagePrecheckIn>();
        group.MapGet("/{msg_id}", GetAsync).WithName("v1.message.get").WithSummary("Get Message");
        group.MapDelete("/{msg_id}/content", ExpungeContentAsync).WithName("v1.message.expunge-content").WithSummary("Expunge Message Content");
        return api;
    }

    private static async Task<Ok<ListResponse<MessageOut>>> ListAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId,
        int? limit, string? iterator, string? channel, string? tag, DateTimeOffset? before, DateTimeOffset? after,
        [FromQuery(Name = "with_content")] bool? withContent, [FromQuery(Name = "event_types")] string[]? eventTypes, int? status)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var v = new Validation();
        var types = Lists.EventTypes(eventTypes, v);
        v.Name(["query", "channel"], channel, 128);
        v.Name(["query", "tag"], tag, MaxTagLength);
        var messageStatus = Lists.Status(v, status);
        v.ThrowIfAny();
        var filter = new MessageFilter { Channel = channel, Tag = tag, Before = before, After = after, EventTypes = types, Status = messageStatus };
        var content = withContent ?? true;
        var page = await store.ListMessagesAsync(app.Id, filter, Lists.Query(limit, iterator, null, descendingByDefault: true, HooklineIds.Message), content, context.RequestAborted);
        return TypedResults.Ok(Lists.Map(page, m => MessageOut.From(m, content)));
    }

    /// <summary>
    /// Accepts a message: validated, matched to endpoints and written durably (group commit) before
    /// the 202. The payload is stored as the exact bytes of the <c>payload</c> value in the request.
    /// </summary>
    private static async Task<Accepted<MessageOut>> CreateAsync(
        HttpContext context, IApplicationStore store, ApiBody body, MessageService messages, TimeProvider time,
        [FromRoute(Name = "app_id")] string appId, [FromQuery(Name = "with_content")] bool? withContent)
    {
        ApiCaller.Get(context).RequireAdmin();
        AppAccess.RequireIdOrUid("app_id", appId);
        var bytes = await body.ReadBytesAsync(context.Request);
        if (bytes.Length == 0)
        {
            throw ApiException.BadRequest("The request body is empty; a JSON object is expected.", "invalid_json");
        }
        var input = ApiBody.Parse<MessageIn>(bytes).Value;
        var payload = Validate(input, time.GetUtcNow());

        var app = await store.GetApplicationAsync(appId, context.RequestAborted);
        if (app is null || app.Kind != ApplicationKind.Normal)
        {
            app = input.Application is null
                ? throw ApiException.NotFound("Application not found")
                : await CreateApplicationAsync(store, time, input.Application, appId, context.RequestAborted);
        }

        var draft = new MessageDraft
        {
            EventType = input.EventType!,
            Payload = payload,
            EventId = input.EventId,
            Channels = input.Channels is { Count: > 0 } ? input.Channels.Select(c => c!).ToArray() : null,
            Tags = input.Tags is { Count: > 0 } ? input.Tags.Select(t => t!).ToArray() : null,
            PayloadRetention = input.PayloadRetentionHours is { } hours ? TimeSpan.FromHours(hours)
                : input.PayloadRetentionPeriod is { } days ? TimeSpan.FromDays(days)
                : null,
            TraceParent = TraceParent(context),
            DeliverAt = input.DeliverAt,
        };
        var created = await messages.CreateAsync(app, draft, context.RequestAborted);
        if (created.Duplicate)
        {
            throw ApiException.Conflict($"A message with eventId '{input.EventId}' already exists in this application ({created.Message.Id}).");
        }
        return TypedResults.Accepted($"/api/v1/app/{app.Id}/msg/{created.Message.Id}", MessageOut.From(created.Message, withContent ?? true));
    }

    /// <summary>Whether a message of this type and channels would go to any enabled endpoint (Svix's precheck).</summary>
    private static async Task<Ok<MessagePrecheckOut>> PrecheckAsync(
        HttpContext context, IHooklineStore store, ApiBody body, MessageService messages, [FromRoute(Name = "app_id")] string appId)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var input = (await body.ReadAsync<MessagePrecheckIn>(context.Request)).Value;
        var v = new Validation();
        if (input.EventType is null)
        {
            v.Missing(["body", "eventType"]);
        }
        v.Name(["body", "eventType"], input.EventType);
        v.Names(["body", "channels"], input.Channels, 128, 1, MaxChannels);
        v.ThrowIfAny();
        var channels = input.Channels is { Count: > 0 } ? input.Channels.Select(c => c!).ToArray() : null;
        var matching = await messages.MatchingEndpointsAsync(app.Id, input.EventType!, channels, context.RequestAborted);
        return TypedResults.Ok(new MessagePrecheckOut(matching.Count > 0));
    }

    private static async Task<Ok<MessageOut>> GetAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "msg_id")] string msgId,
        [FromQuery(Name = "with_content")] bool? withContent)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var message = await GetMessageAsync(context, store, app, msgId);
        return TypedResults.Ok(MessageOut.From(message, withContent ?? true));
    }

    private static async Task<NoContent> ExpungeContentAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "msg_id")] string msgId)
    {
        var app = await AppAccess.GetAsync(context, store, appId, adminOnly: true);
        var message = await GetMessageAsync(context, store, app, msgId);
        if (!await store.ExpungeMessageContentAsync(app.Id, message.Id, context.RequestAborted))
        {
            throw ApiException.NotFound("Message not found");
        }
        return TypedResults.NoContent();
    }

    /// <summary>By id or eventId, within the application.</summary>
    internal static async Task<Message> GetMessageAsync(HttpContext context, IMessageStore store, Application app, string msgId)
    {
        AppAccess.RequireIdOrUid("msg_id", msgId);
        return await store.GetMessageAsync(app.Id, msgId, context.RequestAborted) ?? throw ApiException.NotFound("Message not found");
    }

    /// <summary>Validates the body and returns the payload's exact bytes.</summary>
    private static byte[] Validate(MessageIn input, DateTimeOffset now)
    {
        var v = new Validation();
        if (input.EventType is null)
        {
            v.Missing(["body", "eventType"]);
        }
        v.Name(["body", "eventType"], input.EventType);
        if (input.Payload is not { } payload || payload.ValueKind == JsonValueKind.Null)
        {
            v.Missing(["body", "payload"]);
        }
        else if (payload.ValueKind != JsonValueKind.Object)
        {
            v.Add(["body", "payload"], "Payload must be an object.", "type_error.dict");
        }
        v.Uid(["body", "eventId"], input.EventId, HooklineIds.Message);
        v.Names(["body", "channels"], input.Channels, 128, 1, MaxChannels);
        v.Names(["body", "tags"], input.Tags, MaxTagLength, 1, MaxTags);
        v.Range(["body", "payloadRetentionPeriod"], input.PayloadRetentionPeriod, MinRetentionDays, MaxRetentionDays);
        v.Range(["body", "payloadRetentionHours"], input.PayloadRetentionHours, 1, MaxRetentionHours);
        if (input.PayloadRetentionPeriod is not null && input.PayloadRetentionHours is not null)
        {
            v.Add(["body", "payloadRetentionHours"], "payloadRetentionPeriod and payloadRetentionHours are mutually exclusive.");
        }
        // Svix schedules up to 24 hours ahead; a time already past delivers at once.
        if (input.DeliverAt is { } deliverAt && deliverAt > now + MaxDeliverAhead)
        {
            v.Add(["body", "deliverAt"], $"deliverAt must be at most {MaxDeliverAhead.TotalHours:0} hours in the future.", "value_error.datetime");
        }
        input.Application?.Validate(v, ["body", "application"]);
        v.ThrowIfAny();
        // The raw slice of the request: what the caller sent is what gets signed and delivered.
        return JsonMarshal.GetRawUtf8Value(input.Payload!.Value).ToArray();
    }

    private static async Task<Application> CreateApplicationAsync(IApplicationStore store, TimeProvider time, ApplicationIn input, string appId, CancellationToken cancellationToken)
    {
        if (input.Uid is null)
        {
            throw ApiException.Validation(["body", "application", "uid"], "Application UID not set in body", "application_uid_missing");
        }
        if (input.Uid != appId)
        {
            throw ApiException.Validation(["body", "application", "uid"], "Application UID in the path and body must match", "application_uid_mismatch");
        }
        try
        {
            return await ApplicationApi.CreateApplicationAsync(store, time, input, input.Uid, cancellationToken);
        }
        catch (ApiException ex) when (ex.StatusCode == StatusCodes.Status409Conflict)
        {
            // Created concurrently by another request: use that one.
            if (await store.GetApplicationAsync(input.Uid, cancellationToken) is { Kind: ApplicationKind.Normal } existing)
            {
                return existing;
            }
            throw;
        }
    }

    /// <summary>The W3C trace context of the API call, carried to every delivery attempt.</summary>
    internal static string? TraceParent(HttpContext context)
    {
        var header = context.Request.Headers["traceparent"].ToString();
        if (header.Length is >= 55 and <= 128)
        {
            return header;
        }
        return Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;
    }
}
