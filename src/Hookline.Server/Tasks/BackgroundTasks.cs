using System.Text.Json;
using Hookline.Core.Work;
using Hookline.Server.Api;

namespace Hookline.Server.Tasks;

/// <summary>Background task kinds and their data, as stored in <c>BackgroundTask.DataJson</c>.</summary>
internal static class BackgroundTasks
{
    public const string EndpointRecover = "endpoint.recover";

    /// <summary>Svix's task type for replay-missing (<c>POST …/endpoint/{endpoint_id}/replay-missing</c>).</summary>
    public const string EndpointReplay = "endpoint.replay";
    public const string Running = "running";
    public const string Finished = "finished";
    public const string Failed = "failed";

    public static string Serialize<T>(T data) => JsonSerializer.Serialize(data, ApiJson.Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, ApiJson.Options);
}

/// <summary>Input and result of an <c>endpoint.recover</c> task.</summary>
internal sealed record RecoverTaskData(string AppId, string EndpointId, DateTimeOffset Since, DateTimeOffset? Until, int? Recovered = null, string? Error = null);

/// <summary>
/// Input, progress and result of an <c>endpoint.replay</c> task (replay-missing). <see cref="MessagesSent"/>
/// is Svix's result field; <see cref="Cursor"/> is the last message looked at, so a task whose node died
/// resumes where it stopped.
/// </summary>
/// <param name="Until">The end of the window as asked; null for when the task was created.</param>
internal sealed record ReplayTaskData(
    string AppId, string EndpointId, DateTimeOffset Since, DateTimeOffset? Until,
    int MessagesSent = 0, string? Cursor = null, string? Error = null);

/// <summary>Wakes the task worker when this node queues a task (other nodes find it on their next poll).</summary>
internal sealed class BackgroundTaskSignal : WakeSignal;
