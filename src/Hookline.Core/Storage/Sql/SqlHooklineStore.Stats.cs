using System.Data.Common;
using Hookline.Core.Ids;
using Hookline.Core.Model;

namespace Hookline.Core.Storage.Sql;

public abstract partial class SqlHooklineStore
{
    public Task<StatsOverview> GetOverviewAsync(DateTimeOffset since, DateTimeOffset until, TimeSpan bucket, DateTimeOffset now, int top, CancellationToken cancellationToken) =>
        ReadAsync(async c =>
        {
            var bucketMs = (long)bucket.TotalMilliseconds;
            // Ids begin with their creation time, so the window is an id range on each table's primary key.
            (string, object?)[] window =
            [
                ("@bucket", bucketMs), ("@sinceMs", since), ("@untilMs", until),
                ("@fromMsg", HooklineIds.Lowest(HooklineIds.Message, since)), ("@toMsg", HooklineIds.Lowest(HooklineIds.Message, until)),
                ("@fromAttempt", HooklineIds.Lowest(HooklineIds.Attempt, since)), ("@toAttempt", HooklineIds.Lowest(HooklineIds.Attempt, until)),
            ];
            var messages = await c.QueryAsync(null,
                "SELECT created_at / @bucket AS b, COUNT(*) AS n FROM messages WHERE id >= @fromMsg AND id < @toMsg GROUP BY created_at / @bucket",
                r => (Bucket: r.Long("b"), Count: r.Long("n")), cancellationToken, window);
            var attempts = await c.QueryAsync(null,
                "SELECT timestamp / @bucket AS b, CASE WHEN status = 0 THEN 0 ELSE 1 END AS failed, COUNT(*) AS n FROM attempts " +
                "WHERE id >= @fromAttempt AND id < @toAttempt GROUP BY timestamp / @bucket, CASE WHEN status = 0 THEN 0 ELSE 1 END",
                r => (Bucket: r.Long("b"), Failed: r.Long("failed") == 1, Count: r.Long("n")), cancellationToken, window);

            var buckets = new List<StatsBucket>();
            for (var b = since.ToUnixTimeMilliseconds() / bucketMs; b * bucketMs < until.ToUnixTimeMilliseconds(); b++)
            {
                var key = b;
                buckets.Add(new StatsBucket(
                    DateTimeOffset.FromUnixTimeMilliseconds(key * bucketMs),
                    messages.Where(m => m.Bucket == key).Sum(m => m.Count),
                    attempts.Where(a => a.Bucket == key && !a.Failed).Sum(a => a.Count),
                    attempts.Where(a => a.Bucket == key && a.Failed).Sum(a => a.Count)));
            }

            // The due backlog comes from the pending-due partial index.
            var backlog = (await c.QueryAsync(null,
                "SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM deliveries WHERE status = 1 AND next_attempt_at <= @now",
                r => (Count: r.Long("n"), Oldest: r.NullableTime("oldest")), cancellationToken, ("@now", now)))[0];

            const string Endpoint =
                "SELECT e.app_id, a.name AS app_name, a.kind AS app_kind, s.id AS source_id, e.id AS endpoint_id, e.url, e.disabled, e.failing_since, e.updated_at";
            var failing = await c.QueryAsync(null,
                $"{Endpoint}, f.n AS failed FROM (SELECT endpoint_id, COUNT(*) AS n FROM attempts WHERE id >= @fromAttempt AND id < @toAttempt AND status <> 0 " +
                "GROUP BY endpoint_id ORDER BY COUNT(*) DESC LIMIT @top) f " +
                "JOIN endpoints e ON e.id = f.endpoint_id JOIN applications a ON a.id = e.app_id LEFT JOIN sources s ON s.app_id = a.id ORDER BY f.n DESC, e.id",
                ReadEndpointSummary, cancellationToken, [.. window, ("@top", (long)top)]);
            var disabled = await c.QueryAsync(null,
                $"{Endpoint}, 0 AS failed FROM endpoints e JOIN applications a ON a.id = e.app_id LEFT JOIN sources s ON s.app_id = a.id " +
                "WHERE e.disabled = 1 ORDER BY e.updated_at DESC, e.id LIMIT @top",
                ReadEndpointSummary, cancellationToken, ("@top", (long)top));
            return new StatsOverview(buckets, backlog.Count, backlog.Oldest, failing, disabled);
        }, cancellationToken);

    private static EndpointSummary ReadEndpointSummary(DbDataReader r) => new(
        r.Text("app_id")!,
        r.Text("app_name")!,
        (ApplicationKind)r.Long("app_kind"),
        r.Text("source_id"),
        r.Text("endpoint_id")!,
        r.Text("url")!,
        r.Long("disabled") != 0,
        r.NullableTime("failing_since"),
        r.Time("updated_at"),
        r.Long("failed"));
}
