using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Endpoints;
using Hookline.Server.Messages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Attempts;

/// <summary>Delivery attempts and destinations: what happened to each message at each endpoint, and resending.</summary>
internal static class AttemptApi
{
    public static RouteGroupBuilder MapAttemptApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/app/{app_id}").WithTags("Message Attempt");
        group.MapGet("/attempt/endpoint/{endpoint_id}", ListByEndpointAsync).WithName("v1.message-attempt.list-by-endpoint").WithSummary("List Attempts By Endpoint");
        group.MapGet("/attempt/msg/{msg_id}", ListByMessageAsync).WithName("v1.message-attempt.list-by-msg").WithSummary("List Attempts By Msg");
        group.MapGet("/msg/{msg_id}/attempt/{attempt_id}", GetAsync).WithName("v1.message-attempt.get").WithSummary("Get Attempt");
        group.MapDelete("/msg/{msg_id}/attempt/{attempt_id}/content", ExpungeContentAsync).WithName("v1.message-attempt.expunge-content").WithSummary("Delete attempt response body");
        group.MapGet("/msg/{msg_id}/endpoint", ListDestinationsAsync).WithName("v1.message-attempt.list-attempted-destinations").WithSummary("List Attempted Destinations");
        group.MapGet("/endpoint/{endpoint_id}/msg", ListEndpointMessagesAsync).WithName("v1.message-attempt.list-attempted-messages").WithSummary("List Attempted Messages");
        group.MapPost("/msg/{msg_id}/endpoint/{endpoint_id}/resend", ResendAsync).WithName("v1.message-attempt.resend").WithSummary("Resend Webhook");
        return api;
    }

    private static async Task<Ok<ListResponse<MessageAttemptOut>>> ListByEndpointAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "endpoint_id")] string endpointId,
        int? limit, string? iterator, int? status, [FromQuery(Name = "status_code_class")] int? statusCodeClass, string? channel, string? tag,
        DateTimeOffset? before, DateTimeOffset? after, [FromQuery(Name = "with_content")] bool? withContent, [FromQuery(Name = "event_types")] string[]? eventTypes)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var filter = Filter(status, statusCodeClass, channel, tag, before, after, eventTypes, endpointId: null);
        var endpoint = await EndpointApi.GetEndpointAsync(context, store, app, endpointId);
        var page = await store.ListAttemptsByEndpointAsync(app.Id, endpoint.Id, filter, Lists.Query(limit, iterator, null, descendingByDefault: true, HooklineIds.Attempt), context.RequestAborted);
        var content = withContent ?? true;
        return TypedResults.Ok(Lists.Map(page, a => MessageAttemptOut.From(a, content)));
    }

    private static async Task<Ok<ListResponse<MessageAttemptOut>>> ListByMessageAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "msg_id")] string msgId,
        int? limit, string? iterator, int? status, [FromQuery(Name = "status_code_class")] int? statusCodeClass, string? channel, string? tag,
        [FromQuery(Name = "endpoint_id")] string? endpointId,
        DateTimeOffset? before, DateTimeOffset? after, [FromQuery(Name = "with_content")] bool? withContent, [FromQuery(Name = "event_types")] string[]? eventTypes)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var filter = Filter(status, statusCodeClass, channel, tag, before, after, eventTypes, endpointId);
        var message = await MessageApi.GetMessageAsync(context, store, app, msgId);
        if (endpointId is not null)
        {
            var endpoint = await EndpointApi.GetEndpointAsync(context, store, app, endpointId);
            filter = filter with { EndpointId = endpoint.Id };
        }
        var page = await store.ListAttemptsByMessageAsync(app.Id, message.Id, filter, Lists.Query(limit, iterator, null, descendingByDefault: true, HooklineIds.Attempt), context.RequestAborted);
        var content = withContent ?? true;
        return TypedResults.Ok(Lists.Map(page, a => MessageAttemptOut.From(a, content)));
    }

    private static async Task<Ok<MessageAttemptOut>> GetAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "msg_id")] string msgId,
        [FromRoute(Name = "attempt_id")] string attemptId)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var message = await MessageApi.GetMessageAsync(context, store, app, msgId);
        AppAccess.RequireIdOrUid("attempt_id", attemptId);
        var attempt = await store.GetAttemptAsync(app.Id, message.Id, attemptId, context.RequestAborted)
            ?? throw ApiException.NotFound("Message attempt not found");
        return TypedResults.Ok(MessageAttemptOut.From(attempt, withContent: true));
    }

    private static async Task<NoContent> ExpungeContentAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "msg_id")] string msgId,
        [FromRoute(Name = "attempt_id")] string attemptId)
    {
        var app = await AppAccess.GetAsync(context, store, appId, adminOnly: true);
        var message = await MessageApi.GetMessageAsync(context, store, app, msgId);
        AppAccess.RequireIdOrUid("attempt_id", attemptId);
        if (!await store.ExpungeAttemptContentAsync(app.Id, message.Id, attemptId, context.RequestAborted))
        {
            throw ApiException.NotFound("Message attempt not found");
        }
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ListResponse<MessageEndpointOut>>> ListDestinationsAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "msg_id")] string msgId,
        int? limit, string? iterator)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var message = await MessageApi.GetMessageAsync(context, store, app, msgId);
        var page = await store.ListMessageDestinationsAsync(app.Id, message.Id, Lists.Query(limit, iterator, null, descendingByDefault: false, HooklineIds.Endpoint), context.RequestAborted);
        return TypedResults.Ok(Lists.Map(page, x => MessageEndpointOut.From(x.Endpoint, x.Delivery)));
    }

    private static async Task<Ok<ListResponse<EndpointMessageOut>>> ListEndpointMessagesAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "endpoint_id")] string endpointId,
        int? limit, string? iterator, string? channel, string? tag, int? status, DateTimeOffset? before, DateTimeOffset? after,
        [FromQuery(Name = "with_content")] bool? withContent, [FromQuery(Name = "event_types")] string[]? eventTypes)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var v = new Validation();
        var types = Lists.EventTypes(eventTypes, v);
        var messageStatus = Lists.Status(v, status);
        v.Name(["query", "channel"], channel, 128);
        v.Name(["query", "tag"], tag, MessageApi.MaxTagLength);
        v.ThrowIfAny();
        var endpoint = await EndpointApi.GetEndpointAsync(context, store, app, endpointId);
        var content = withContent ?? true;
        var filter = new MessageFilter { Channel = channel, Tag = tag, Before = before, After = after, EventTypes = types, Status = messageStatus };
        var page = await store.ListEndpointMessagesAsync(app.Id, endpoint.Id, filter, Lists.Query(limit, iterator, null, descendingByDefault: true, HooklineIds.Message), content, context.RequestAborted);
        return TypedResults.Ok(Lists.Map(page, x => EndpointMessageOut.From(x.Message, x.Delivery, content)));
    }

    /// <summary>Queues a manual attempt of the message to the endpoint (whether or not it went there before).</summary>
    private static async Task<Accepted<EmptyResponse>> ResendAsync(
        HttpContext context, IHooklineStore store, TimeProvider time, Core.Delivery.DeliverySignal signal,
        [FromRoute(Name = "app_id")] string appId, [FromRoute(Name = "msg_id")] string msgId, [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        var message = await MessageApi.GetMessageAsync(context, store, app, msgId);
        var endpoint = await EndpointApi.GetEndpointAsync(context, store, app, endpointId);
        if (message.Payload is null)
        {
            throw ApiException.BadRequest("The message's payload was expunged or has expired, so it cannot be resent.", "payload_unavailable");
        }
        if (!await store.ResendAsync(app.Id, message.Id, endpoint.Id, time.GetUtcNow(), context.RequestAborted))
        {
            throw ApiException.NotFound("Message or endpoint not found");
        }
        signal.Notify();
        return TypedResults.Accepted((string?)null, new EmptyResponse());
    }

    private static AttemptFilter Filter(int? status, int? statusCodeClass, string? channel, string? tag, DateTimeOffset? before, DateTimeOffset? after, string[]? eventTypes, string? endpointId)
    {
        var v = new Validation();
        var types = Lists.EventTypes(eventTypes, v);
        var messageStatus = Lists.Status(v, status);
        if (statusCodeClass is { } c && c is not (0 or 100 or 200 or 300 or 400 or 500))
        {
            v.Add(["query", "status_code_class"], "value is not a valid enumeration member; permitted: 0, 100, 200, 300, 400, 500", "type_error.enum");
        }
        v.Name(["query", "channel"], channel, 128);
        v.Name(["query", "tag"], tag, MessageApi.MaxTagLength);
        if (endpointId is not null)
        {
            v.Name(["query", "endpoint_id"], endpointId);
        }
        v.ThrowIfAny();
        return new AttemptFilter { Status = messageStatus, StatusCodeClass = statusCodeClass, Channel = channel, Tag = tag, Before = before, After = after, EventTypes = types };
    }
}
