using System.Data.Common;
using System.Text;
using Hookline.Core.Model;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    private static DeliveryRecord ReadDelivery(DbDataReader r, string prefix) => new()
    {
        Id = r.Long(prefix + "id"),
        MessageId = r.Text(prefix + "msg_id")!,
        EndpointId = r.Text(prefix + "endpoint_id")!,
        AppId = r.Text(prefix + "app_id")!,
        // A lease is "sending"; a pending row's next_attempt_at is its next try.
        Status = (MessageStatus)r.Long(prefix + "status"),
        AttemptCount = (int)r.Long(prefix + "attempt_count"),
        NextAttemptAt = (MessageStatus)r.Long(prefix + "status") is MessageStatus.Pending or MessageStatus.Sending ? r.NullableTime(prefix + "next_attempt_at") : null,
        LastAttemptAt = r.NullableTime(prefix + "last_attempt_at"),
        CreatedAt = r.Time(prefix + "created_at"),
    };

    private const string DeliveryColumnsAliased =
        "d.id AS d_id, d.msg_id AS d_msg_id, d.endpoint_id AS d_endpoint_id, d.app_id AS d_app_id, d.status AS d_status, " +
        "d.attempt_count AS d_attempt_count, d.next_attempt_at AS d_next_attempt_at, d.last_attempt_at AS d_last_attempt_at, d.created_at AS d_created_at";

    public Task<Page<(Endpoint Endpoint, DeliveryRecord Delivery)>> ListMessageDestinationsAsync(string appId, string messageId, ListQuery query, CancellationToken cancellationToken) =>
        PageAsync(
            $"SELECT {EndpointColumnsAliased}, {DeliveryColumnsAliased} FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id",
            // Keyed on d.endpoint_id (= e.id) so the unique (msg_id, endpoint_id) index gives the order without a sort.
            "d.app_id = @app AND d.msg_id = @msg", "d.endpoint_id", query,
            r => (ReadEndpoint(r, "e_"), ReadDelivery(r, "d_")), x => x.Item1.Id, cancellationToken,
            ("@app", appId), ("@msg", messageId));

    public Task<Page<(Message Message, DeliveryRecord Delivery)>> ListEndpointMessagesAsync(string appId, string endpointId, MessageFilter filter, ListQuery query, bool withContent, CancellationToken cancellationToken)
    {
        var parameters = new List<(string, object?)> { ("@app", appId), ("@endpoint", endpointId) };
        var where = new StringBuilder("d.app_id = @app AND d.endpoint_id = @endpoint");
        // Order, page and bound by d.msg_id (= m.id): the (endpoint_id, msg_id) index then yields rows in
        // list order and a page stops after limit + 1. Keyed on m.id, every delivery of the endpoint was
        // read and sorted before the first row came back.
        AppendMessageConditions(where, parameters, filter.Channel, filter.EventTypes, filter.Before, filter.After, "d.msg_id", Ids.HooklineIds.Message);
        if (filter.Status is { } status)
        {
            where.Append(" AND d.status = @status");
            parameters.Add(("@status", status));
        }
        return PageAsync(
            $"SELECT {MessageColumnsAliased}, {DeliveryColumnsAliased} FROM deliveries d JOIN messages m ON m.id = d.msg_id",
            where.ToString(), "d.msg_id", query,
            r => (ReadMessage(r, "m_", withContent), ReadDelivery(r, "d_")), x => x.Item1.Id, cancellationToken, [.. parameters]);
    }

    public Task<bool> ResendAsync(string appId, string messageId, string endpointId, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            var exists = await c.ScalarAsync(t,
                "SELECT COUNT(*) FROM messages m JOIN endpoints e ON e.app_id = m.app_id WHERE m.app_id = @app AND m.id = @msg AND e.id = @endpoint",
                cancellationToken, ("@app", appId), ("@msg", messageId), ("@endpoint", endpointId));
            if (Convert.ToInt64(exists, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return false;
            }
            var updated = await c.ExecuteAsync(t,
                "UPDATE deliveries SET status = 1, attempt_count = 0, next_attempt_at = @now, trigger_type = 1 WHERE msg_id = @msg AND endpoint_id = @endpoint AND status <> 3",
                cancellationToken, ("@now", now), ("@msg", messageId), ("@endpoint", endpointId));
            if (updated == 0)
            {
                // A delivery in flight keeps its lease and is marked: whatever its attempt's outcome,
                // the delivery is queued again for the manual try when that attempt is recorded.
                updated = await c.ExecuteAsync(t,
                    $"UPDATE deliveries SET trigger_type = {ManualResendWaiting} WHERE msg_id = @msg AND endpoint_id = @endpoint AND status = 3",
                    cancellationToken, ("@msg", messageId), ("@endpoint", endpointId));
            }
            if (updated == 0)
            {
                await c.ExecuteAsync(t,
                    "INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, trigger_type, created_at) " +
                    "VALUES (@msg, @endpoint, @app, 1, 0, @now, 1, @now) ON CONFLICT (msg_id, endpoint_id) DO NOTHING",
                    cancellationToken, ("@msg", messageId), ("@endpoint", endpointId), ("@app", appId), ("@now", now));
            }
            return true;
        }, cancellationToken);

    public Task<int> RecoverFailedAsync(string appId, string endpointId, DateTimeOffset since, DateTimeOffset? until, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t,
            "UPDATE deliveries SET status = 1, attempt_count = 0, next_attempt_at = @now, trigger_type = 1 " +
            "WHERE app_id = @app AND endpoint_id = @endpoint AND status = 2 AND msg_id >= @since AND msg_id < @until",
            cancellationToken, ("@now", now), ("@app", appId), ("@endpoint", endpointId),
            ("@since", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, since)),
            ("@until", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, until ?? now.AddYears(100)))), cancellationToken);

    public Task<EndpointStats> GetEndpointStatsAsync(string appId, string endpointId, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken) =>
        ReadAsync(async c =>
        {
            var counts = await c.QueryAsync(null,
                "SELECT status, COUNT(*) AS n FROM deliveries WHERE app_id = @app AND endpoint_id = @endpoint AND msg_id >= @since AND msg_id < @until GROUP BY status",
                r => (Status: (MessageStatus)r.Long("status"), Count: r.Long("n")), cancellationToken,
                ("@app", appId), ("@endpoint", endpointId),
                ("@since", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, since ?? DateTimeOffset.UnixEpoch)),
                ("@until", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, until ?? DateTimeOffset.MaxValue.AddYears(-1))));
            long Count(MessageStatus s) => counts.Where(x => x.Status == s).Sum(x => x.Count);
            return new EndpointStats(Count(MessageStatus.Success), Count(MessageStatus.Pending), Count(MessageStatus.Fail), Count(MessageStatus.Sending), 0);
        }, cancellationToken);
}
