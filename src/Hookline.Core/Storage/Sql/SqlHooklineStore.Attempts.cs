using System.Data.Common;
using System.Text;
using Hookline.Core.Model;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    private static MessageAttempt ReadAttempt(DbDataReader r) => new()
    {
        Id = r.Text("id")!,
        MessageId = r.Text("msg_id")!,
        EndpointId = r.Text("endpoint_id")!,
        AppId = r.Text("app_id")!,
        Url = r.Text("url")!,
        Status = (MessageStatus)r.Long("status"),
        ResponseStatusCode = (int)r.Long("response_status_code"),
        Response = r.Text("response") ?? "",
        ResponseDurationMs = (int)r.Long("response_duration_ms"),
        Timestamp = r.Time("timestamp"),
        TriggerType = (AttemptTrigger)r.Long("trigger_type"),
        Error = r.Text("error"),
    };

    private Task<Page<MessageAttempt>> ListAttemptsAsync(string scope, (string, object?)[] scopeParameters, AttemptFilter filter, ListQuery query, CancellationToken cancellationToken)
    {
        var parameters = new List<(string, object?)>(scopeParameters);
        var where = new StringBuilder(scope);
        var needsMessage = filter.Channel is not null || filter.EventTypes is { Count: > 0 };
        if (filter.Status is { } status)
        {
            where.Append(" AND a.status = @status");
            parameters.Add(("@status", status));
        }
        if (filter.StatusCodeClass is { } codeClass)
        {
            // Class 0 means "no response"; otherwise 200 means 200–299 and so on.
            where.Append(codeClass == 0 ? " AND a.response_status_code = 0" : " AND a.response_status_code >= @classLow AND a.response_status_code < @classHigh");
            parameters.Add(("@classLow", (long)codeClass));
            parameters.Add(("@classHigh", (long)codeClass + 100));
        }
        if (filter.EndpointId is not null)
        {
            where.Append(" AND a.endpoint_id = @filterEndpoint");
            parameters.Add(("@filterEndpoint", filter.EndpointId));
        }
        AppendMessageConditions(where, parameters, filter.Channel, filter.EventTypes, filter.Before, filter.After, "a.id", Ids.HooklineIds.Attempt);
        // The tag is probed per attempt in message_tags' primary key (attempts are walked in attempt order).
        AppendTagCondition(where, parameters, filter.Tag, "a.msg_id");
        var from = needsMessage ? "SELECT a.* FROM attempts a JOIN messages m ON m.id = a.msg_id" : "SELECT a.* FROM attempts a";
        return PageAsync(from, where.ToString(), "a.id", query, ReadAttempt, a => a.Id, cancellationToken, [.. parameters]);
    }

    public Task<Page<MessageAttempt>> ListAttemptsByEndpointAsync(string appId, string endpointId, AttemptFilter filter, ListQuery query, CancellationToken cancellationToken) =>
        ListAttemptsAsync("a.app_id = @app AND a.endpoint_id = @endpoint", [("@app", appId), ("@endpoint", endpointId)], filter, query, cancellationToken);

    public Task<Page<MessageAttempt>> ListAttemptsByMessageAsync(string appId, string messageId, AttemptFilter filter, ListQuery query, CancellationToken cancellationToken) =>
        ListAttemptsAsync("a.app_id = @app AND a.msg_id = @msg", [("@app", appId), ("@msg", messageId)], filter, query, cancellationToken);

    public Task<MessageAttempt?> GetAttemptAsync(string appId, string messageId, string attemptId, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null, "SELECT * FROM attempts WHERE app_id = @app AND msg_id = @msg AND id = @id", ReadAttempt, cancellationToken,
            ("@app", appId), ("@msg", messageId), ("@id", attemptId)), cancellationToken);

    public async Task<bool> ExpungeAttemptContentAsync(string appId, string messageId, string attemptId, CancellationToken cancellationToken) =>
        await WriteAsync((c, t) => c.ExecuteAsync(t, "UPDATE attempts SET response = '' WHERE app_id = @app AND msg_id = @msg AND id = @id", cancellationToken,
            ("@app", appId), ("@msg", messageId), ("@id", attemptId)), cancellationToken) > 0;
}
