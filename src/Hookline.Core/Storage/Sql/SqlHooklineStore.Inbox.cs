using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// The receiver inbox (table <c>inbox</c>). Like a delivery, a row is its own queue entry: status 1
/// (pending) with <c>next_attempt_at</c> = when it is due, or status 3 (running) with
/// <c>next_attempt_at</c> = when its lease runs out, so one index on <c>next_attempt_at</c> finds
/// everything claimable. The unique key (webhook, delivery_id) is the deduplication: an insert that
/// collides writes nothing, however many race.
/// </summary>
/// <remarks>
/// The platform's schema has no <c>inbox</c> table: the inbox owns its schema. These methods are what
/// the inbox stores of the store packages (<c>SqliteInboxStore</c>, <c>PostgresInboxStore</c>) run, over a
/// store instance migrated with the inbox's own steps, so that both databases share this SQL and its
/// connection and transaction handling.
/// </remarks>
public abstract partial class SqlHooklineStore
{
    private const string InboxColumns =
        "id, webhook, delivery_id, status, attempt_count, next_attempt_at, lease_token, received_at, last_attempt_at, completed_at, " +
        "last_error, verified_timestamp, url, method, headers, length(body) AS body_length";

    private const string LeaseRanOutError =
        "The lease ran out during the last attempt: the process stopped, or the handler overran its lease.";

    public Task<InboxInsertResult> InsertInboxItemAsync(NewInboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var headers = JsonSerializer.Serialize(item.Headers.Select(h => new[] { h.Key, h.Value }));
        return WriteAsync(async (c, t) =>
        {
            var id = await c.ScalarAsync(t,
                "INSERT INTO inbox (webhook, delivery_id, status, attempt_count, next_attempt_at, received_at, verified_timestamp, url, method, headers, body) " +
                "VALUES (@webhook, @delivery, 1, 0, @received, @received, @timestamp, @url, @method, @headers, @body) " +
                "ON CONFLICT (webhook, delivery_id) DO NOTHING RETURNING id",
                cancellationToken, ("@webhook", item.Webhook), ("@delivery", item.DeliveryId), ("@received", item.ReceivedAt),
                ("@timestamp", item.VerifiedTimestamp), ("@url", item.Url), ("@method", item.Method), ("@headers", headers), ("@body", item.Body));
            if (id is not null)
            {
                return new InboxInsertResult(Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture), false, InboxStatus.Pending);
            }
            var existing = await c.QueryAsync(t, "SELECT id, status FROM inbox WHERE webhook = @webhook AND delivery_id = @delivery",
                r => new InboxInsertResult(r.Long("id"), true, (InboxStatus)r.Long("status")),
                cancellationToken, ("@webhook", item.Webhook), ("@delivery", item.DeliveryId));
            return existing.Count == 1
                ? existing[0]
                : throw new InvalidOperationException($"Inbox insert of {item.Webhook}/{item.DeliveryId} neither inserted nor found a row.");
        }, cancellationToken);
    }

    public Task<IReadOnlyList<InboxItem>> ClaimInboxItemsAsync(InboxClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Webhooks.Count == 0 || request.MaxItems <= 0)
        {
            return Task.FromResult<IReadOnlyList<InboxItem>>([]);
        }
        return WriteAsync<IReadOnlyList<InboxItem>>(async (c, t) =>
        {
            var (inList, webhookParameters) = WebhookList(request.Webhooks);

            // An item whose lease ran out on its last attempt is not run again: its process died or
            // its handler hung every time, and another try would most likely do the same.
            var dead = new List<(string, object?)>(webhookParameters) { ("@now", request.Now), ("@max", (long)request.MaxAttempts), ("@error", LeaseRanOutError) };
            await c.ExecuteAsync(t,
                "UPDATE inbox SET status = 5, next_attempt_at = NULL, lease_token = NULL, completed_at = @now, last_error = @error " +
                $"WHERE status = 3 AND next_attempt_at <= @now AND attempt_count >= @max AND webhook IN ({inList})",
                cancellationToken, [.. dead]);

            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
            var claim = new List<(string, object?)>(webhookParameters)
            {
                ("@now", request.Now), ("@until", request.Now + request.LeaseDuration), ("@token", token), ("@n", (long)request.MaxItems),
            };
            var items = await c.QueryAsync(t,
                "UPDATE inbox SET status = 3, next_attempt_at = @until, lease_token = @token, attempt_count = attempt_count + 1, last_attempt_at = @now " +
                $"WHERE id IN (SELECT id FROM inbox WHERE status IN (1, 3) AND next_attempt_at <= @now AND webhook IN ({inList}) " +
                "ORDER BY next_attempt_at, id LIMIT @n" + SkipLockedClause + ") " +
                $"RETURNING {InboxColumns}, body",
                r => ReadInboxItem(r, withBody: true), cancellationToken, [.. claim]);
            items.Sort((a, b) => a.Id.CompareTo(b.Id));
            return items;
        }, cancellationToken);
    }

    public Task<bool> RenewInboxLeaseAsync(long id, string leaseToken, DateTimeOffset until, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) => await c.ExecuteAsync(t,
            "UPDATE inbox SET next_attempt_at = @until WHERE id = @id AND status = 3 AND lease_token = @token",
            cancellationToken, ("@until", until), ("@id", id), ("@token", leaseToken)) == 1, cancellationToken);

    public Task<bool> CompleteInboxItemAsync(InboxCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        (string, object?) now = ("@now", completion.Now), next = ("@next", completion.NextAttemptAt), error = ("@error", completion.Error);
        var (set, parameters) = completion.Outcome switch
        {
            InboxOutcome.Succeeded => ("status = 4, next_attempt_at = NULL, completed_at = @now", new[] { now }),
            InboxOutcome.Retry => ("status = 1, next_attempt_at = @next, last_error = @error", new[] { next, error }),
            InboxOutcome.Dead => ("status = 5, next_attempt_at = NULL, completed_at = @now, last_error = @error", new[] { now, error }),
            InboxOutcome.Released => ("status = 1, next_attempt_at = @now, attempt_count = attempt_count - 1", new[] { now }),
            _ => throw new ArgumentOutOfRangeException(nameof(completion), completion.Outcome, "Unknown inbox outcome."),
        };
        if (completion.Outcome == InboxOutcome.Retry && completion.NextAttemptAt is null)
        {
            throw new ArgumentException("A retry needs NextAttemptAt.", nameof(completion));
        }
        return WriteAsync(async (c, t) => await c.ExecuteAsync(t,
            $"UPDATE inbox SET {set}, lease_token = NULL WHERE id = @id AND status = 3 AND lease_token = @token",
            cancellationToken, [.. parameters, ("@id", completion.Id), ("@token", completion.LeaseToken)]) == 1, cancellationToken);
    }

    public Task<DateTimeOffset?> GetNextInboxDueAsync(DateTimeOffset after, IReadOnlyCollection<string> webhooks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhooks);
        if (webhooks.Count == 0)
        {
            return Task.FromResult<DateTimeOffset?>(null);
        }
        var (inList, parameters) = WebhookList(webhooks);
        parameters.Add(("@after", after));
        return ReadAsync(async c =>
        {
            var value = await c.ScalarAsync(null,
                $"SELECT MIN(next_attempt_at) FROM inbox WHERE status IN (1, 3) AND next_attempt_at > @after AND webhook IN ({inList})",
                cancellationToken, [.. parameters]);
            return value is null
                ? (DateTimeOffset?)null
                : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        }, cancellationToken);
    }

    public Task<InboxItem?> GetInboxItemAsync(long id, bool withBody, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleAsync(null, $"SELECT {InboxColumns}{(withBody ? ", body" : "")} FROM inbox WHERE id = @id",
            r => ReadInboxItem(r, withBody), cancellationToken, ("@id", id)), cancellationToken);

    public Task<IReadOnlyList<InboxItem>> ListInboxItemsAsync(InboxListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder($"SELECT {InboxColumns} FROM inbox WHERE 1 = 1");
        var parameters = new List<(string, object?)>();
        if (query.Status is { } status)
        {
            sql.Append(" AND status = @status");
            parameters.Add(("@status", (long)status));
        }
        if (query.Webhook is { } webhook)
        {
            sql.Append(" AND webhook = @webhook");
            parameters.Add(("@webhook", webhook));
        }
        if (query.Before is { } before)
        {
            sql.Append(" AND id < @before");
            parameters.Add(("@before", before));
        }
        sql.Append(" ORDER BY id DESC LIMIT @limit");
        parameters.Add(("@limit", (long)Math.Clamp(query.Limit, 1, InboxListQuery.MaxLimit)));
        return ReadAsync<IReadOnlyList<InboxItem>>(async c =>
            await c.QueryAsync(null, sql.ToString(), r => ReadInboxItem(r, withBody: false), cancellationToken, [.. parameters]), cancellationToken);
    }

    public Task<IReadOnlyDictionary<InboxStatus, long>> CountInboxItemsAsync(string? webhook, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyDictionary<InboxStatus, long>>(async c =>
        {
            (string, object?)[] parameters = webhook is null ? [] : [("@webhook", webhook)];
            var rows = await c.QueryAsync(null,
                "SELECT status, COUNT(*) AS n FROM inbox" + (webhook is null ? "" : " WHERE webhook = @webhook") + " GROUP BY status",
                r => ((InboxStatus)r.Long("status"), r.Long("n")), cancellationToken, parameters);
            var counts = Enum.GetValues<InboxStatus>().ToDictionary(s => s, _ => 0L);
            foreach (var (status, n) in rows)
            {
                counts[status] = n;
            }
            return counts;
        }, cancellationToken);

    public Task<bool> RequeueInboxItemAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) => await c.ExecuteAsync(t,
            "UPDATE inbox SET status = 1, next_attempt_at = @now, attempt_count = 0, completed_at = NULL, lease_token = NULL WHERE id = @id AND status IN (4, 5)",
            cancellationToken, ("@now", now), ("@id", id)) == 1, cancellationToken);

    public Task<int> RequeueDeadInboxItemsAsync(string? webhook, DateTimeOffset now, CancellationToken cancellationToken)
    {
        (string, object?)[] parameters = webhook is null ? [("@now", now)] : [("@now", now), ("@webhook", webhook)];
        return WriteAsync((c, t) => c.ExecuteAsync(t,
            "UPDATE inbox SET status = 1, next_attempt_at = @now, attempt_count = 0, completed_at = NULL, lease_token = NULL WHERE status = 5" +
            (webhook is null ? "" : " AND webhook = @webhook"),
            cancellationToken, parameters), cancellationToken);
    }

    public Task<int> PurgeDoneInboxItemsAsync(DateTimeOffset completedBefore, int batchSize, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(t,
            "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE status = 4 AND completed_at < @before ORDER BY id LIMIT @n)",
            cancellationToken, ("@before", completedBefore), ("@n", (long)Math.Max(1, batchSize))), cancellationToken);

    private static (string InList, List<(string, object?)> Parameters) WebhookList(IReadOnlyCollection<string> webhooks)
    {
        var parameters = new List<(string, object?)>(webhooks.Count + 4);
        var names = new StringBuilder();
        var i = 0;
        foreach (var webhook in webhooks)
        {
            names.Append(i == 0 ? "" : ", ").Append("@w").Append(i);
            parameters.Add(($"@w{i}", webhook));
            i++;
        }
        return (names.ToString(), parameters);
    }

    private static InboxItem ReadInboxItem(DbDataReader r, bool withBody)
    {
        var headers = JsonSerializer.Deserialize<string[][]>(r.Text("headers") ?? "[]") ?? [];
        return new InboxItem
        {
            Id = r.Long("id"),
            Webhook = r.Text("webhook")!,
            DeliveryId = r.Text("delivery_id")!,
            Status = (InboxStatus)r.Long("status"),
            AttemptCount = (int)r.Long("attempt_count"),
            NextAttemptAt = r.NullableTime("next_attempt_at"),
            LeaseToken = r.Text("lease_token"),
            ReceivedAt = r.Time("received_at"),
            LastAttemptAt = r.NullableTime("last_attempt_at"),
            CompletedAt = r.NullableTime("completed_at"),
            LastError = r.Text("last_error"),
            VerifiedTimestamp = r.NullableTime("verified_timestamp"),
            Url = r.Text("url"),
            Method = r.Text("method") ?? "POST",
            Headers = Array.ConvertAll(headers, h => new KeyValuePair<string, string>(h[0], h.Length > 1 ? h[1] : "")),
            Body = withBody ? r.Bytes("body") ?? [] : [],
            BodyLength = (int)(r.NullableLong("body_length") ?? 0),
        };
    }
}
