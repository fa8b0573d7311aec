using System.Text.Json;
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
        api.MapGet("/background-task/{task_id}", GetAsync).WithTags("Background Task").WithName("v1.background-task.get").WithSummary("Get Background Task");
        return api;
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
