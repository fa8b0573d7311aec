using Hookline.Core.Ids;
using Hookline.Core.Messages;
using Hookline.Core.Model;
using Hookline.Core.Operational;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.EventTypes;
using Hookline.Server.Messages;
using Hookline.Server.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Endpoints;

internal static partial class EndpointApi
{
    private static async Task<Ok<EndpointStatsOut>> GetStatsAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational,
        [FromRoute(Name = "endpoint_id")] string endpointId, DateTimeOffset? since, DateTimeOffset? until)
    {
        var (app, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        var stats = await store.GetEndpointStatsAsync(app.Id, endpoint.Id, since, until, context.RequestAborted);
        return TypedResults.Ok(new EndpointStatsOut(stats.Success, stats.Pending, stats.Fail, stats.Sending, stats.Canceled));
    }

    /// <summary>
    /// Sends one message of the event type to this endpoint only, with the example from the event
    /// type's schema (the first of <c>examples</c>, else <c>example</c>), or <c>{}</c> when it has none.
    /// It is accepted through <see cref="MessageService"/>, the one way in for messages, as any other.
    /// </summary>
    private static async Task<Ok<MessageOut>> SendExampleAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, MessageService messages,
        [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (app, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        var input = (await body.ReadAsync<EventExampleIn>(context.Request)).Value;
        var v = new Validation();
        if (input.EventType is null)
        {
            v.Missing(["body", "eventType"]);
        }
        v.Name(["body", "eventType"], input.EventType);
        v.ThrowIfAny();
        var eventType = await store.GetEventTypeAsync(input.EventType!, context.RequestAborted)
            ?? throw ApiException.NotFound($"Event type '{input.EventType}' not found");

        var draft = new MessageDraft
        {
            EventType = eventType.Name,
            Payload = SchemaExamples.ExamplePayload(eventType.SchemasJson),
            TraceParent = MessageApi.TraceParent(context),
        };
        // Only this endpoint gets the example, whatever it and the other endpoints subscribe to.
        var created = await messages.CreateForEndpointAsync(app, endpoint, draft, context.RequestAborted);
        return TypedResults.Ok(MessageOut.From(created.Message, withContent: true));
    }

    private static async Task<Accepted<RecoverOut>> RecoverAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, TimeProvider time, BackgroundTaskSignal signal,
        [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (app, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        var input = (await body.ReadAsync<RecoverIn>(context.Request)).Value;
        ValidateWindow(input.Since, input.Until);
        var task = await QueueTaskAsync(context, store, time, signal, BackgroundTasks.EndpointRecover,
            BackgroundTasks.Serialize(new RecoverTaskData(app.Id, endpoint.Id, input.Since!.Value, input.Until)));
        return TypedResults.Accepted((string?)null, new RecoverOut(task.Id, task.Status, task.Type, task.UpdatedAt));
    }

    /// <summary>
    /// Svix's replay-missing: a background task (<c>endpoint.replay</c>) that sends the endpoint the
    /// messages created in the window that it never got and would take now; its progress and result
    /// (<c>messagesSent</c>) are in the background task API.
    /// </summary>
    private static async Task<Accepted<ReplayOut>> ReplayMissingAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, TimeProvider time, BackgroundTaskSignal signal,
        [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (app, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        var input = (await body.ReadAsync<ReplayIn>(context.Request)).Value;
        ValidateWindow(input.Since, input.Until);
        var task = await QueueTaskAsync(context, store, time, signal, BackgroundTasks.EndpointReplay,
            BackgroundTasks.Serialize(new ReplayTaskData(app.Id, endpoint.Id, input.Since!.Value, input.Until)));
        return TypedResults.Accepted((string?)null, new ReplayOut(task.Id, task.Status, task.Type, task.UpdatedAt));
    }

    private static void ValidateWindow(DateTimeOffset? since, DateTimeOffset? until)
    {
        var v = new Validation();
        if (since is null)
        {
            v.Missing(["body", "since"]);
        }
        else if (until is { } end && end <= since)
        {
            v.Add(["body", "until"], "'until' must be after 'since'.");
        }
        v.ThrowIfAny();
    }

    private static async Task<BackgroundTask> QueueTaskAsync(
        HttpContext context, ITaskStore store, TimeProvider time, BackgroundTaskSignal signal, string type, string dataJson)
    {
        var now = time.GetUtcNow();
        var task = new BackgroundTask
        {
            Id = HooklineIds.New(HooklineIds.Task, now),
            Type = type,
            Status = BackgroundTasks.Running,
            DataJson = dataJson,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.CreateTaskAsync(task, context.RequestAborted);
        signal.Wake();
        return task;
    }
}
