using System.Text;
using Hookline.Core.Ids;
using Hookline.Core.Model;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// Bounded history: the retention purge and the delivery rollup that endpoint stats read.
/// <para>
/// <c>delivery_rollups</c> holds, per endpoint and per hour of message creation (the hour of the
/// message id's time), how many of its deliveries are finished: succeeded or failed. Every change of a
/// delivery into or out of those two states adjusts it in the same transaction — a completion (one
/// extra statement per batch), a resend or recover (which move a finished delivery back to pending) and
/// the purge (which removes finished deliveries). So for whole hours the rollup equals a count of the
/// rows; the partial hours at a window's edges and the unfinished deliveries (pending, sending: the
/// few in flight, not history) are counted from the rows.
/// </para>
/// </summary>
public abstract partial class SqlHooklineStore
{
    private const long HourMs = 3_600_000;
    private const string Unfinished = "1, 3";

    /// <summary>
    /// Appended to a select whose rows the transaction is about to change, so that no other writer can
    /// change them first: <c>FOR UPDATE OF tableAlias</c> where the database has row locks. SQLite has one
    /// writer at a time and needs none.
    /// </summary>
    protected virtual string LockRowsClause(string tableAlias) => "";

    /// <summary>
    /// Appended to <c>deliveries</c> where a query counts an endpoint's unfinished deliveries (status 1 or 3),
    /// for a planner that would otherwise walk the endpoint's whole history through a covering index.
    /// </summary>
    protected virtual string UnfinishedDeliveriesHint => "";

    private static long HourOf(string messageId) =>
        HooklineIds.TimeOf(messageId, HooklineIds.Message) is { } t ? t.ToUnixTimeMilliseconds() - (t.ToUnixTimeMilliseconds() % HourMs) : 0;

    private const string RollupUpsert =
        "ON CONFLICT (endpoint_id, hour) DO UPDATE SET succeeded = delivery_rollups.succeeded + excluded.succeeded, " +
        "failed = delivery_rollups.failed + excluded.failed";

    /// <summary>
    /// The rollup statement of a completion batch, run before its delivery updates: it counts the
    /// deliveries that those updates will move to succeeded or failed — the ones whose lease token still
    /// matches and for which no manual resend is waiting (those go back to pending) — and locks them so
    /// that nothing else moves them in between. Null when nothing in the batch finishes. Leased rows
    /// are found by id and token alone, not by <c>status = 3</c> (see <c>TakeOffersSql</c>).
    /// </summary>
    private (string, (string, object?)[])? RollupCompletions(IReadOnlyList<DeliveryCompletion> completions)
    {
        var rows = completions
            .Where(done => done.Outcome != DeliveryOutcome.Retry)
            .Select(done => new RollupRow(done.DeliveryId, done.LeaseToken, HourOf(done.Attempt.MessageId), done.Outcome == DeliveryOutcome.Succeeded ? 1L : 0L))
            .ToList();
        if (rows.Count == 0)
        {
            return null;
        }
        var parameters = new List<(string, object?)>();
        return (
            $"WITH v (id, token, hour, ok) AS ({RollupRowsSql(rows, parameters)}), " +
            "done AS (SELECT d.endpoint_id, d.app_id, v.hour, v.ok FROM deliveries d JOIN v ON d.id = v.id AND d.lease_token = v.token " +
            $"WHERE d.trigger_type <> {ManualResendWaiting}{RollupRowsFilter}{LockRowsClause("d")}) " +
            "INSERT INTO delivery_rollups (endpoint_id, hour, app_id, succeeded, failed) " +
            "SELECT endpoint_id, hour, MIN(app_id), SUM(ok), SUM(1 - ok) FROM done GROUP BY endpoint_id, hour ORDER BY endpoint_id, hour " +
            RollupUpsert,
            parameters.ToArray());
    }

    /// <summary>A finished delivery for the rollup: its id and lease token, the hour of its message, 1 if it succeeded.</summary>
    protected readonly record struct RollupRow(long Id, string Token, long Hour, long Ok);

    /// <summary>
    /// More of the rollup's condition on <c>deliveries d</c>, naming the rows' ids again where the
    /// database's planner needs them as a condition on the table to look the rows up by key (see
    /// PostgreSQL's store); empty by default.
    /// </summary>
    protected virtual string RollupRowsFilter => "";

    /// <summary>
    /// The rollup's rows as a query with the columns <c>(id, token, hour, ok)</c>, adding its parameters:
    /// a <c>VALUES</c> list with four named parameters a row here. A store whose database looks named
    /// parameters up in a list overrides it, as <see cref="InList{T}"/>.
    /// </summary>
    protected virtual string RollupRowsSql(IReadOnlyList<RollupRow> rows, List<(string Name, object? Value)> parameters)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(parameters);
        var values = new StringBuilder("VALUES ");
        for (var n = 0; n < rows.Count; n++)
        {
            values.Append(n == 0 ? "" : ", ").Append($"(@rd{n}, @rk{n}, @rh{n}, @rs{n})");
            parameters.Add(($"@rd{n}", rows[n].Id));
            parameters.Add(($"@rk{n}", rows[n].Token));
            parameters.Add(($"@rh{n}", rows[n].Hour));
            parameters.Add(($"@rs{n}", rows[n].Ok));
        }
        return values.ToString();
    }

    /// <summary>
    /// Adds (or with negative counts removes) finished deliveries to the rollup. Rows are written in key
    /// order, so two transactions adjusting the same rows lock them in the same order.
    /// </summary>
    private static (string, (string, object?)[])? RollupAdjust(IEnumerable<(string EndpointId, string AppId, string MessageId, MessageStatus Status)> deliveries, int sign)
    {
        var groups = deliveries
            .Where(d => d.Status is MessageStatus.Success or MessageStatus.Fail)
            .GroupBy(d => (d.EndpointId, Hour: HourOf(d.MessageId)))
            .OrderBy(g => g.Key.EndpointId, StringComparer.Ordinal).ThenBy(g => g.Key.Hour)
            .ToList();
        if (groups.Count == 0)
        {
            return null;
        }
        var values = new StringBuilder();
        var parameters = new List<(string, object?)>();
        for (var i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            values.Append(i == 0 ? "" : ", ").Append($"(@ae{i}, @ah{i}, @aa{i}, @as{i}, @af{i})");
            parameters.Add(($"@ae{i}", g.Key.EndpointId));
            parameters.Add(($"@ah{i}", g.Key.Hour));
            parameters.Add(($"@aa{i}", g.First().AppId));
            parameters.Add(($"@as{i}", (long)(sign * g.Count(d => d.Status == MessageStatus.Success))));
            parameters.Add(($"@af{i}", (long)(sign * g.Count(d => d.Status == MessageStatus.Fail))));
        }
        return ($"INSERT INTO delivery_rollups (endpoint_id, hour, app_id, succeeded, failed) VALUES {values} {RollupUpsert}", parameters.ToArray());
    }

    public Task<EndpointStats> GetEndpointStatsAsync(string appId, string endpointId, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken) =>
        ReadAsync(async c =>
        {
            // Bounds past the last representable whole hour (a client may ask since 9999-12-31) are
            // clamped to the latest time an id encodes; nothing exists after it anyway.
            since = Clamp(since);
            until = Clamp(until);
            var counts = new Dictionary<MessageStatus, long>();
            void Add(MessageStatus status, long n) => counts[status] = counts.GetValueOrDefault(status) + n;
            async Task CountRowsAsync(string statuses, DateTimeOffset? from, DateTimeOffset? to)
            {
                // Unfinished deliveries are found through their partial index (status IN (1, 3)), not a
                // range of the endpoint's whole history, which for all time is every delivery it ever had.
                var table = statuses == Unfinished ? "deliveries" + UnfinishedDeliveriesHint : "deliveries";
                var rows = await c.QueryAsync(null,
                    $"SELECT status, COUNT(*) AS n FROM {table} WHERE app_id = @app AND endpoint_id = @endpoint " +
                    $"AND msg_id >= @since AND msg_id < @until AND status IN ({statuses}) GROUP BY status",
                    r => (Status: (MessageStatus)r.Long("status"), Count: r.Long("n")), cancellationToken,
                    ("@app", appId), ("@endpoint", endpointId),
                    ("@since", HooklineIds.Lowest(HooklineIds.Message, from ?? DateTimeOffset.UnixEpoch)),
                    ("@until", HooklineIds.Lowest(HooklineIds.Message, to ?? LatestStatsTime)));
                foreach (var (status, n) in rows)
                {
                    Add(status, n);
                }
            }

            // Unfinished deliveries: counted from the rows, through their partial index.
            await CountRowsAsync(Unfinished, since, until);

            // Finished ones: whole hours from the rollup, the partial hours at the edges from the rows.
            var fullFrom = since is { } s ? CeilingHour(s.ToUnixTimeMilliseconds()) : long.MinValue;
            var fullTo = until is { } u ? FloorHour(u.ToUnixTimeMilliseconds()) : long.MaxValue;
            if (fullFrom >= fullTo)
            {
                await CountRowsAsync("0, 2", since, until);
            }
            else
            {
                var rollup = await c.QueryAsync(null,
                    "SELECT COALESCE(SUM(succeeded), 0) AS ok, COALESCE(SUM(failed), 0) AS failed FROM delivery_rollups " +
                    "WHERE endpoint_id = @endpoint AND app_id = @app AND hour >= @from AND hour < @to",
                    r => (Ok: r.Long("ok"), Failed: r.Long("failed")), cancellationToken,
                    ("@endpoint", endpointId), ("@app", appId), ("@from", fullFrom), ("@to", fullTo));
                Add(MessageStatus.Success, rollup[0].Ok);
                Add(MessageStatus.Fail, rollup[0].Failed);
                if (since is not null && since.Value.ToUnixTimeMilliseconds() < fullFrom)
                {
                    await CountRowsAsync("0, 2", since, DateTimeOffset.FromUnixTimeMilliseconds(fullFrom));
                }
                if (until is not null && fullTo < until.Value.ToUnixTimeMilliseconds())
                {
                    await CountRowsAsync("0, 2", DateTimeOffset.FromUnixTimeMilliseconds(fullTo), until);
                }
            }
            long Count(MessageStatus s) => counts.GetValueOrDefault(s);
            return new EndpointStats(Count(MessageStatus.Success), Count(MessageStatus.Pending), Count(MessageStatus.Fail), Count(MessageStatus.Sending), 0);
        }, cancellationToken);

    private static readonly DateTimeOffset LatestStatsTime = DateTimeOffset.MaxValue.AddYears(-1);

    private static DateTimeOffset? Clamp(DateTimeOffset? at) => at > LatestStatsTime ? LatestStatsTime : at;

    private static long FloorHour(long ms) => ms - (((ms % HourMs) + HourMs) % HourMs);

    private static long CeilingHour(long ms) => FloorHour(ms) == ms ? ms : FloorHour(ms) + HourMs;

    public Task<HistoryPurge> PurgeHistoryAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            // 1. Old messages none of whose deliveries is unfinished. Where the database has row locks,
            //    concurrent purgers (every node runs one) take disjoint batches: a message another purger
            //    (or a resend, which share-locks it) holds is skipped, never waited for.
            var candidates = await c.QueryAsync(t,
                "SELECT m.id, m.app_id, m.channels FROM messages m WHERE m.id < @before " +
                "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.status IN (1, 3)) ORDER BY m.id LIMIT @batch" + SkipLockedClause,
                r => (Id: r.Text("id")!, AppId: r.Text("app_id")!, Channels: SqlCommands.ChannelsFromColumn(r.Text("channels"))),
                cancellationToken, ("@before", HooklineIds.Lowest(HooklineIds.Message, before)), ("@batch", (long)batchSize));

            var messages = 0;
            if (candidates.Count > 0)
            {
                // 2. Their deliveries, locked (skipping rows someone else holds). A message keeps all its
                //    rows when any delivery was skipped or has become unfinished since step 1 (a recover
                //    committed in between): a later run takes it when it is finished again.
                var ids = InList([.. candidates.Select(x => x.Id)], "@m", out var idParameters);
                var locked = await c.QueryAsync(t,
                    $"SELECT d.id, d.msg_id, d.endpoint_id, d.app_id, d.status FROM deliveries d WHERE d.msg_id IN ({ids}){SkipLockedClause}",
                    r => (Id: r.Long("id"), MessageId: r.Text("msg_id")!, EndpointId: r.Text("endpoint_id")!, AppId: r.Text("app_id")!, Status: (MessageStatus)r.Long("status")),
                    cancellationToken, idParameters);
                var all = await c.QueryAsync(t, $"SELECT d.id, d.msg_id FROM deliveries d WHERE d.msg_id IN ({ids})",
                    r => (Id: r.Long("id"), MessageId: r.Text("msg_id")!), cancellationToken, idParameters);
                var lockedIds = locked.Select(x => x.Id).ToHashSet();
                var keep = all.Where(x => !lockedIds.Contains(x.Id)).Select(x => x.MessageId)
                    .Concat(locked.Where(x => x.Status is MessageStatus.Pending or MessageStatus.Sending).Select(x => x.MessageId))
                    .ToHashSet(StringComparer.Ordinal);
                var purge = candidates.Where(x => !keep.Contains(x.Id)).ToList();
                if (purge.Count > 0)
                {
                    var statements = new List<(string, (string, object?)[])>();
                    var purgeIds = purge.Select(x => x.Id).ToHashSet(StringComparer.Ordinal);
                    var purged = locked.Where(x => purgeIds.Contains(x.MessageId)).ToList();
                    if (RollupAdjust(purged.Select(x => (x.EndpointId, x.AppId, x.MessageId, x.Status)), -1) is { } rollup)
                    {
                        statements.Add(rollup);
                        // Hours that this leaves empty go too, so the rollup stays as small as the history.
                        foreach (var (endpointId, hour) in purged.Select(x => (x.EndpointId, Hour: HourOf(x.MessageId))).Distinct()
                            .OrderBy(x => x.EndpointId, StringComparer.Ordinal).ThenBy(x => x.Hour))
                        {
                            statements.Add(("DELETE FROM delivery_rollups WHERE endpoint_id = @endpoint AND hour = @hour AND succeeded = 0 AND failed = 0",
                                [("@endpoint", endpointId), ("@hour", hour)]));
                        }
                    }
                    // attempts and message_channels are keyed by application first.
                    foreach (var app in purge.GroupBy(x => x.AppId, StringComparer.Ordinal))
                    {
                        var appIds = InList([.. app.Select(x => x.Id)], "@p", out var appParameters);
                        statements.Add(($"DELETE FROM attempts WHERE app_id = @app AND msg_id IN ({appIds})", [("@app", app.Key), .. appParameters]));
                        foreach (var message in app)
                        {
                            foreach (var channel in message.Channels?.Distinct(StringComparer.Ordinal) ?? [])
                            {
                                statements.Add(("DELETE FROM message_channels WHERE app_id = @app AND channel = @channel AND msg_id = @msg",
                                    [("@app", app.Key), ("@channel", channel), ("@msg", message.Id)]));
                            }
                        }
                    }
                    var purgeList = InList([.. purgeIds], "@q", out var purgeParameters);
                    statements.Add(($"DELETE FROM deliveries WHERE msg_id IN ({purgeList})", purgeParameters));
                    statements.Add(($"DELETE FROM messages WHERE id IN ({purgeList})", purgeParameters));
                    await c.ExecuteAllAsync(t, statements, cancellationToken);
                    messages = purge.Count;
                }
            }

            // 3. The ingest log: entries received before the cutoff. The dedupe memory of a provider's
            //    delivery id goes with its entry; no provider retries after a retention period.
            var ingest = await c.ExecuteAsync(t,
                "DELETE FROM ingest_requests WHERE id IN (SELECT id FROM ingest_requests WHERE id < @before ORDER BY id LIMIT @batch" + SkipLockedClause + ")",
                cancellationToken, ("@before", HooklineIds.Lowest(HooklineIds.IngestLog, before)), ("@batch", (long)batchSize));
            return new HistoryPurge(messages, ingest);
        }, WriteDurability.Relaxed, cancellationToken);
}
