using Hookline.Core.Model;

namespace Hookline.Core.Storage;

public interface IAttemptStore
{
    /// <summary>Newest first unless the query says otherwise; ordered by attempt id.</summary>
    Task<Page<MessageAttempt>> ListAttemptsByEndpointAsync(string appId, string endpointId, AttemptFilter filter, ListQuery query, CancellationToken cancellationToken);

    Task<Page<MessageAttempt>> ListAttemptsByMessageAsync(string appId, string messageId, AttemptFilter filter, ListQuery query, CancellationToken cancellationToken);

    Task<MessageAttempt?> GetAttemptAsync(string appId, string messageId, string attemptId, CancellationToken cancellationToken);

    Task<bool> ExpungeAttemptContentAsync(string appId, string messageId, string attemptId, CancellationToken cancellationToken);
}

/// <summary>A remembered response for an <c>idempotency-key</c>.</summary>
public sealed record IdempotentResponse(int StatusCode, string? ContentType, byte[] Body);

public enum IdempotencyState
{
    /// <summary>The caller owns the key now and must complete or abandon it.</summary>
    Acquired = 0,

    /// <summary>A request with this key is still running.</summary>
    InProgress = 1,

    /// <summary>The first response is stored; replay it.</summary>
    Completed = 2,
}

public interface IIdempotencyStore
{
    /// <param name="keyHash">Hash of token, method, route and key — never the raw key.</param>
    Task<(IdempotencyState State, IdempotentResponse? Response)> TryAcquireIdempotencyKeyAsync(string keyHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    Task CompleteIdempotencyKeyAsync(string keyHash, IdempotentResponse response, CancellationToken cancellationToken);

    /// <summary>Forgets an acquired key (the request failed in a way a retry may fix).</summary>
    Task AbandonIdempotencyKeyAsync(string keyHash, CancellationToken cancellationToken);

    Task<int> PurgeExpiredIdempotencyKeysAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

public interface IAuthStore
{
    /// <summary>Small named values shared by all nodes (e.g. the admin token hash).</summary>
    Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sets a value only when it is absent; returns the value now stored (so racing nodes agree).</summary>
    Task<string> SetSettingIfAbsentAsync(string name, string value, CancellationToken cancellationToken);

    Task SetSettingAsync(string name, string value, CancellationToken cancellationToken);

    Task CreateAppTokenAsync(string tokenHash, string appId, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The application a token is scoped to, if the token exists and has not expired.</summary>
    Task<string?> GetAppTokenAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    Task DeleteAppTokenAsync(string tokenHash, CancellationToken cancellationToken);
}

public sealed record BackgroundTask
{
    public required string Id { get; init; }

    /// <summary>e.g. <c>endpoint.recover</c> or <c>endpoint.replay</c>.</summary>
    public required string Type { get; init; }

    /// <summary><c>running</c>, <c>finished</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Task input and result as JSON.</summary>
    public required string DataJson { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

public interface ITaskStore
{
    Task CreateTaskAsync(BackgroundTask task, CancellationToken cancellationToken);

    Task<BackgroundTask?> GetTaskAsync(string id, CancellationToken cancellationToken);

    /// <summary>Newest first unless the query says otherwise; ordered by id. Null filters match every task.</summary>
    Task<Page<BackgroundTask>> ListTasksAsync(ListQuery query, string? status, string? type, CancellationToken cancellationToken);

    /// <summary>Leases one running task whose lease is free or expired (crash recovery: a dead node's task runs again).</summary>
    Task<BackgroundTask?> ClaimTaskAsync(DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    Task UpdateTaskAsync(string id, string status, string dataJson, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records a running task's progress and extends its lease to <paramref name="leaseUntil"/>, so a
    /// long task keeps it while it works and, should its node die, another resumes from the progress.
    /// </summary>
    Task SaveTaskProgressAsync(string id, string dataJson, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);
}
