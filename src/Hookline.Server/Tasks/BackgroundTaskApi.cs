using System.Text.Json;
using Hookline.Core.Ids;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Tasks;

/// <summary>Svix <c>BackgroundTaskOut</c>: a task started by an API call (e.g. endpoint recovery) and its result.</summary>
public sealed record BackgroundTaskOut(string Id, string Status, string Task, JsonElement Data, DateTimeOffset UpdatedAt);

internal static class BackgroundTaskApi
{
    public static RouteGroupBuilder MapBackgroundTaskApi(this RouteGroupBuilder api)
    {
        api.MapGet("/background-task", ListAsync).WithTags("Background Task").WithName("v1.background-task.list").WithSummary("List Background Tasks");
        api.MapGet("/background-task/{task_id}", GetAsync).WithTags("Background Task").WithName("v1.background-task.get").WithSummary("Get Background Task");
        return api;
    }

    /// <summary>Every task, newest first (admin only), optionally of one <c>status</c> (running, finished, failed) or <c>task</c> type.</summary>
    private static async Task<Ok<ListResponse<BackgroundTaskOut>>> ListAsync(
        HttpContext context, ITaskStore store, int? limit, string? iterator, string? order, string? status, string? task)
    {
        ApiCaller.Get(context).RequireAdmin();
        var v = new Validation();
        if (status is not (null or BackgroundTasks.Running or BackgroundTasks.Finished or BackgroundTasks.Failed))
        {
            v.Add(["query", "status"], "value is not a valid enumeration member; permitted: 'running', 'finished', 'failed'", "type_error.enum");
        }
        v.Name(["query", "task"], task, 64);
        v.ThrowIfAny();
        var page = await store.ListTasksAsync(Lists.Query(limit, iterator, order, descendingByDefault: true, HooklineIds.Task), status, task, context.RequestAborted);
        return TypedResults.Ok(Lists.Map(page, t =>
        {
            using var data = JsonDocument.Parse(t.DataJson);
            return new BackgroundTaskOut(t.Id, t.Status, t.Type, data.RootElement.Clone(), t.UpdatedAt);
        }));
    }

    /// <summary>The admin sees every task; an application token sees the tasks of its application.</summary>
    private static async Task<Ok<BackgroundTaskOut>> GetAsync(HttpContext context, ITaskStore store, [FromRoute(Name = "task_id")] string taskId)
    {
        var caller = ApiCaller.Get(context);
        AppAccess.RequireIdOrUid("task_id", taskId);
        var task = await store.GetTaskAsync(taskId, context.RequestAborted) ?? throw ApiException.NotFound("Background task not found");
        using var data = JsonDocument.Parse(task.DataJson);
        if (!caller.IsAdmin
            && !(data.RootElement.ValueKind == JsonValueKind.Object
                && data.RootElement.TryGetProperty("appId", out var appId)
                && appId.ValueKind == JsonValueKind.String
                && appId.GetString() == caller.AppId))
        {
            throw ApiException.NotFound("Background task not found");
        }
        return TypedResults.Ok(new BackgroundTaskOut(task.Id, task.Status, task.Type, data.RootElement.Clone(), task.UpdatedAt));
    }
}
