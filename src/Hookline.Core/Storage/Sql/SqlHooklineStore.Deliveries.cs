using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Hookline.Core.Model;

namespace Hookline.Core.Storage.Sql;

/// <summary>
/// Deliveries: endpoint ownership and claiming, completing, then what the API reads and requeues (a
/// message's destinations, an endpoint's messages, resend, recover, stats). A delivery row is the
/// queue entry: status 1 (pending) with <c>next_attempt_at</c> = when it is due, or status 3 (sending)
/// with <c>next_attempt_at</c> = when its lease expires. Endpoints are owned by one node at a time
/// (<c>endpoint_owners</c>, renewed by heartbeat); the owner keeps the endpoint's concurrency, FIFO
/// order and throttle in memory and claims its due deliveries in batches. The delivery rows stay the
/// truth: when an owner dies, its endpoints are taken over once their lease runs out, and what it
/// had leased is pending again.
/// </summary>
public abstract partial class SqlHooklineStore
{
    /// <summary>
    /// <c>trigger_type</c> of a delivery in flight (status 3) for which a manual resend was asked:
    /// when its attempt is recorded (or its lease runs out) it is queued again as a manual try (1).
    /// Only ever stored on a leased row, so a claim never reads it.
    /// </summary>
    protected const int ManualResendWaiting = 2;

    /// <summary>The start of every insert of a delivery row: the columns a new delivery sets.</summary>
    protected const string InsertDeliveryInto =
        "INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, trigger_type, created_at) ";

    /// <summary>The start of an insert of a delivery row that may be leased at once: <see cref="InsertDeliveryInto"/> and its lease token.</summary>
    protected const string InsertLeasedDeliveryInto =
        "INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, trigger_type, created_at, lease_token) ";

    /// <summary>The start of every insert of an attempt row: all its columns.</summary>
    protected const string InsertAttemptInto =
        "INSERT INTO attempts (id, msg_id, endpoint_id, app_id, url, status, response_status_code, response, response_duration_ms, timestamp, trigger_type, error) ";

    /// <summary>
    /// Leased rows put back to pending, due at <c>@now</c>: the lost try counts, a waiting manual resend
    /// becomes the next try. Due now, not at the end of the lease (the column's value while leased): an
    /// endpoint its owner gave up is taken at once, and a delivery offered to that owner on the way was
    /// otherwise due only when its lease would have ended, 45 s later by default.
    /// </summary>
    protected const string ReturnLeasedToPending =
        "status = 1, next_attempt_at = @now, lease_token = NULL, " +
        "attempt_count = CASE WHEN trigger_type = 2 THEN 0 ELSE attempt_count + 1 END, " +
        "trigger_type = CASE WHEN trigger_type = 2 THEN 1 ELSE trigger_type END";

    public async Task<IReadOnlyList<OwnedEndpoint>> AcquireEndpointsAsync(OwnershipRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = request.Now.ToUnixTimeMilliseconds();
        var parameters = new List<(string, object?)>
        {
            ("@node", request.NodeId), ("@now", now), ("@until", LeaseEnd(request)), ("@max", (long)request.MaxEndpoints),
        };
        var exclude = "";
        if (request.Exclude.Count > 0)
        {
            exclude = $" AND e.id NOT IN ({InList([.. request.Exclude], "@x", out var excludeParameters)})";
            parameters.AddRange(excludeParameters);
        }
        // The candidates (a database-specific query of enabled endpoints with due work), taken where no
        // live owner holds them. A row whose owner's lease ran out is taken over by the conflict clause;
        // a live one is left alone, so two nodes never both get it.
        var take =
            "INSERT INTO endpoint_owners (endpoint_id, node_id, expires_at) " +
            $"SELECT e.id, @node, @until FROM endpoints e WHERE e.disabled = 0 AND e.id IN ({AcquireCandidatesSql}){exclude} " +
            "AND NOT EXISTS (SELECT 1 FROM endpoint_owners o WHERE o.endpoint_id = e.id AND o.expires_at > @now) LIMIT @max " +
            "ON CONFLICT (endpoint_id) DO UPDATE SET node_id = excluded.node_id, expires_at = excluded.expires_at " +
            "WHERE endpoint_owners.expires_at <= @now RETURNING endpoint_id";
        // What the previous owner had leased is pending again, due now: its lease on the endpoint ran
        // out (it is gone) or it gave the endpoint up (nothing of it was held there any more), so
        // nothing of it is still being sent. Offers on their way to it when it gave the endpoint up
        // are among these: it gives back only what is still leased to it.
        static string Return(string taken) => $"UPDATE deliveries SET {ReturnLeasedToPending} WHERE status = 3 AND endpoint_id IN ({taken})";
        static string Settings(string taken) =>
            $"SELECT e.id, e.ordered, e.max_concurrency, COALESCE(e.throttle_rate, a.throttle_rate) AS rate FROM endpoints e JOIN applications a ON a.id = e.app_id WHERE e.id IN ({taken})";
        static OwnedEndpoint Read(DbDataReader r) => new(r.Text("id")!, r.Bool("ordered"), r.NullableInt("max_concurrency"), r.NullableInt("rate"));

        // Where statements in WITH may write, the whole take is one statement, sent as one batch
        // without a transaction of its own: one round trip, and no owner row stays locked while the
        // database waits for this node.
        if (WritesInWith && await BatchWriteAsync(WriteDurability.Relaxed, (connection, prelude) => connection.ExecuteAllThenQueryAsync(null, prelude,
                ($"WITH taken AS ({take}), returned AS ({Return("SELECT endpoint_id FROM taken")} RETURNING 1) {Settings("SELECT endpoint_id FROM taken")}",
                    [.. parameters]),
                Read, cancellationToken), cancellationToken) is { } owned)
        {
            return owned;
        }
        return await WriteAsync<IReadOnlyList<OwnedEndpoint>>(async (c, t) =>
        {
            var taken = await c.QueryAsync(t, take, r => r.Text("endpoint_id")!, cancellationToken, [.. parameters]);
            if (taken.Count == 0)
            {
                return [];
            }
            var ids = InList(taken, "@t", out var idParameters);
            await c.ExecuteAsync(t, Return(ids), cancellationToken, [("@now", now), .. idParameters]);
            return await c.QueryAsync(t, Settings(ids), Read, cancellationToken, idParameters);
        }, WriteDurability.Relaxed, cancellationToken);
    }

    /// <summary>
    /// Whether a statement in <c>WITH</c> may be an <c>INSERT</c>, <c>UPDATE</c> or <c>DELETE</c> (PostgreSQL),
    /// so that a write of several steps whose later steps need the earlier ones' rows is one statement.
    /// </summary>
    protected virtual bool WritesInWith => false;

    /// <summary>
    /// The ids of endpoints with due work, as a subquery over <c>@now</c>: pending deliveries due, or
    /// leased ones whose lease ran out (their owner died and nothing of theirs is pending). The
    /// caller keeps only enabled endpoints without a live owner.
    /// </summary>
    protected virtual string AcquireCandidatesSql =>
        "SELECT c.id FROM endpoints c WHERE " +
        "EXISTS (SELECT 1 FROM deliveries p WHERE p.endpoint_id = c.id AND p.status = 1 AND p.next_attempt_at <= @now) OR " +
        "EXISTS (SELECT 1 FROM deliveries s WHERE s.endpoint_id = c.id AND s.status = 3 AND s.next_attempt_at <= @now)";

    public async Task<OwnershipRenewal> RenewOwnershipAsync(OwnershipRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = request.Now.ToUnixTimeMilliseconds();
        (string, object?)[] parameters =
            [("@node", request.NodeId), ("@now", now), ("@until", LeaseEnd(request)), ("@old", now - (long)TimeSpan.FromHours(1).TotalMilliseconds)];
        const string Live = "INSERT INTO engine_nodes (node_id, expires_at) VALUES (@node, @until) ON CONFLICT (node_id) DO UPDATE SET expires_at = excluded.expires_at";
        const string OwnedByLive = "SELECT COUNT(*) FROM endpoint_owners WHERE expires_at > @now";
        // Forget nodes long gone, so the table stays the size of the cluster.
        const string Forget = "DELETE FROM engine_nodes WHERE expires_at < @old AND node_id <> @node";
        // Only rows whose lease has not run out: an endpoint another node may already have taken is
        // not taken back. It only extends live rows, so the counts are the same before and after it.
        const string Extend = "UPDATE endpoint_owners SET expires_at = @until WHERE node_id = @node AND expires_at > @now RETURNING endpoint_id";
        // Some enabled endpoint with due work and no live owner. Alone, a node owns everything and
        // never hands over, so only several nodes ask.
        var unowned = $"SELECT 1 FROM endpoints e WHERE e.disabled = 0 AND e.id IN ({AcquireCandidatesSql}) " +
            "AND NOT EXISTS (SELECT 1 FROM endpoint_owners o WHERE o.endpoint_id = e.id AND o.expires_at > @now) LIMIT 1";

        // Where statements in WITH may write, the heartbeat is one statement, sent as one batch without
        // a transaction of its own: one round trip, so the owner rows it extends are locked only while
        // it runs. Its reads see the database as the statement began (not its own writes), so this node
        // counts itself.
        if (WritesInWith && await BatchWriteAsync(WriteDurability.Relaxed, (connection, prelude) => connection.ExecuteAllThenQueryAsync(null, prelude,
                ($"WITH live AS ({Live} RETURNING 1), forgotten AS ({Forget} RETURNING 1), extended AS ({Extend}), " +
                 "counts AS (SELECT 1 + (SELECT COUNT(*) FROM engine_nodes WHERE expires_at > @now AND node_id <> @node) AS live_nodes, " +
                 $"({OwnedByLive}) AS owned_by_live) " +
                 $"SELECT c.live_nodes, c.owned_by_live, CASE WHEN c.live_nodes > 1 THEN CASE WHEN EXISTS ({unowned}) THEN 1 ELSE 0 END ELSE 0 END AS unowned, x.endpoint_id " +
                 "FROM counts c LEFT JOIN extended x ON true", parameters),
                r => (Live: r.Long("live_nodes"), OwnedByLive: r.Long("owned_by_live"), Unowned: r.Bool("unowned"), Endpoint: r.Text("endpoint_id")),
                cancellationToken), cancellationToken) is { Count: > 0 } rows)
        {
            return new OwnershipRenewal([.. rows.Where(x => x.Endpoint is not null).Select(x => x.Endpoint!)], (int)rows[0].Live, (int)rows[0].OwnedByLive)
            {
                WorkUnowned = rows[0].Unowned,
            };
        }
        return await WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(t, Live, cancellationToken, parameters);
            var live = await c.ScalarAsync(t, "SELECT COUNT(*) FROM engine_nodes WHERE expires_at > @now", cancellationToken, parameters);
            var ownedByLive = await c.ScalarAsync(t, OwnedByLive, cancellationToken, parameters);
            var liveNodes = (int)Convert.ToInt64(live, System.Globalization.CultureInfo.InvariantCulture);
            var workUnowned = liveNodes > 1 && await c.ScalarAsync(t, unowned, cancellationToken, parameters) is not null;
            await c.ExecuteAsync(t, Forget, cancellationToken, parameters);
            // Last, just before the commit: the rows stay locked from here to the commit, and a node
            // stopped in between (a GC pause, a frozen VM) would hold up every other node's take of its
            // endpoints until it woke.
            var owned = await c.QueryAsync(t, Extend, r => r.Text("endpoint_id")!, cancellationToken, parameters);
            return new OwnershipRenewal(owned, liveNodes, (int)Convert.ToInt64(ownedByLive, System.Globalization.CultureInfo.InvariantCulture))
            {
                WorkUnowned = workUnowned,
            };
        }, WriteDurability.Relaxed, cancellationToken);
    }

    /// <summary>Until when an acquire or a renewal leases the endpoints it writes (Unix milliseconds).</summary>
    private static long LeaseEnd(OwnershipRequest request) => request.Now.ToUnixTimeMilliseconds() + (long)request.Lease.TotalMilliseconds;

    public Task ReleaseEndpointsAsync(string nodeId, IReadOnlyCollection<string>? endpointIds, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            if (endpointIds is null)
            {
                await c.ExecuteAsync(t, "DELETE FROM endpoint_owners WHERE node_id = @node", cancellationToken, ("@node", nodeId));
                await c.ExecuteAsync(t, "DELETE FROM engine_nodes WHERE node_id = @node", cancellationToken, ("@node", nodeId));
            }
            else
            {
                await DeleteOwnersAsync(c, t, nodeId, endpointIds, leasedUntil: null, cancellationToken);
            }
            return true;
        }, WriteDurability.Relaxed, cancellationToken);

    public Task ReleaseOrphansAsync(OwnershipRequest renewal, IReadOnlyCollection<string> endpointIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        ArgumentNullException.ThrowIfNull(endpointIds);
        return WriteAsync(async (c, t) =>
        {
            // Only rows still under the lease the renewal wrote (computed as it computed it).
            await DeleteOwnersAsync(c, t, renewal.NodeId, endpointIds, LeaseEnd(renewal), cancellationToken);
            return true;
        }, WriteDurability.Relaxed, cancellationToken);
    }

    /// <summary>Deletes the node's owner rows of <paramref name="endpointIds"/>; with <paramref name="leasedUntil"/>, only rows leased until exactly then.</summary>
    private async Task DeleteOwnersAsync(DbConnection c, DbTransaction t, string nodeId, IReadOnlyCollection<string> endpointIds, long? leasedUntil, CancellationToken cancellationToken)
    {
        if (endpointIds.Count == 0)
        {
            return;
        }
        var ids = InList([.. endpointIds], "@r", out var parameters);
        (string, object?)[] lease = leasedUntil is { } until ? [("@until", until)] : [];
        await c.ExecuteAsync(t,
            $"DELETE FROM endpoint_owners WHERE node_id = @node{(lease.Length > 0 ? " AND expires_at = @until" : "")} AND endpoint_id IN ({ids})",
            cancellationToken, [("@node", nodeId), .. lease, .. parameters]);
    }

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimOwnedAsync(OwnedClaimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Wants.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<ClaimedDelivery>>([]);
        }
        return ClaimAsync(request, Convert.ToHexString(RandomNumberGenerator.GetBytes(12)), cancellationToken);
    }

    private async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(OwnedClaimRequest request, string token, CancellationToken cancellationToken)
    {
        // A store whose claim is one statement, and that writes one batch without a transaction, claims
        // in one round trip and locks nothing between round trips.
        var statement = ClaimStatement(request, token);
        if (statement is { } claim && await BatchWriteAsync(WriteDurability.Relaxed,
            (connection, prelude) => connection.ExecuteAllThenQueryAsync(null, prelude, claim, ClaimedReader(), cancellationToken), cancellationToken) is { } claimed)
        {
            return claimed;
        }
        return await WriteAsync(async (c, t) => statement is { } inTransaction
            ? await c.QueryAsync(t, inTransaction.Sql, ClaimedReader(), cancellationToken, inTransaction.Parameters)
            : await ClaimOwnedAsync(c, t, request, token, cancellationToken), WriteDurability.Relaxed, cancellationToken);
    }

    /// <summary>
    /// The whole claim as one statement that returns <see cref="ClaimedColumns"/> for each delivery it
    /// leased (sent as one batch where the store writes those, else in a write transaction), or null
    /// (here) to claim in a conversation (<see cref="ClaimOwnedAsync(DbConnection, DbTransaction, OwnedClaimRequest, string, CancellationToken)"/>).
    /// </summary>
    protected virtual (string Sql, (string Name, object? Value)[] Parameters)? ClaimStatement(OwnedClaimRequest request, string token) => null;

    /// <summary>
    /// The claim, inside its write transaction: each endpoint's deliveries picked with one query per
    /// endpoint, which suits an embedded database (a server database has a <see cref="ClaimStatement"/>).
    /// </summary>
    private async Task<IReadOnlyList<ClaimedDelivery>> ClaimOwnedAsync(DbConnection c, DbTransaction t, OwnedClaimRequest request, string token, CancellationToken cancellationToken)
    {
        var now = request.Now.ToUnixTimeMilliseconds();
        var ids = new List<long>();
        foreach (var want in request.Wants)
        {
            if (want.Max <= 0)
            {
                continue;
            }
            // Owned by this node with a live lease, and enabled: a node whose lease ran out claims nothing.
            var ordered = await c.QueryAsync(t,
                "SELECT e.ordered FROM endpoints e JOIN endpoint_owners o ON o.endpoint_id = e.id " +
                "WHERE e.id = @endpoint AND e.disabled = 0 AND o.node_id = @node AND o.expires_at > @now",
                r => r.Bool("ordered"), cancellationToken, ("@endpoint", want.EndpointId), ("@node", request.NodeId), ("@now", now));
            if (ordered.Count == 0)
            {
                continue;
            }
            ids.AddRange(ordered[0]
                ? await OrderedHeadAsync(c, t, want.EndpointId, now, cancellationToken)
                : await c.QueryAsync(t,
                    "SELECT id FROM deliveries WHERE endpoint_id = @endpoint AND status = 1 AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @n",
                    r => r.Long("id"), cancellationToken, ("@endpoint", want.EndpointId), ("@now", now), ("@n", (long)want.Max)));
        }
        if (ids.Count == 0)
        {
            return [];
        }
        var inList = InList(ids, "@d", out var parameters);
        await c.ExecuteAsync(t, $"UPDATE deliveries SET status = 3, next_attempt_at = @until, lease_token = @token WHERE id IN ({inList})",
            cancellationToken, [("@until", now + (long)request.LeaseDuration.TotalMilliseconds), ("@token", token), .. parameters]);
        return await c.QueryAsync(t,
            $"SELECT {ClaimedColumns} FROM deliveries d JOIN messages m ON m.id = d.msg_id JOIN endpoints e ON e.id = d.endpoint_id " +
            $"JOIN applications a ON a.id = e.app_id WHERE d.id IN ({inList}) ORDER BY d.id",
            ClaimedReader(), cancellationToken, parameters);
    }

    /// <summary>What a claim returns for each leased delivery (<c>d</c>, <c>m</c>, <c>e</c>, <c>a</c> joined).</summary>
    protected const string ClaimedColumns =
        ClaimedDeliveryColumns + ", COALESCE(e.throttle_rate, a.throttle_rate) AS d_rate, " + MessageColumnsAliased + ", " + EndpointColumnsAliased;

    /// <summary>The delivery's own part of <see cref="ClaimedColumns"/> (<c>d</c>).</summary>
    protected const string ClaimedDeliveryColumns =
        "d.id AS d_id, d.lease_token AS d_lease_token, d.attempt_count AS d_attempt_count, d.trigger_type AS d_trigger_type";

    /// <summary>
    /// Reads the rows of one claim or read of offers. Rows of the same endpoint share one
    /// <see cref="Endpoint"/>: one statement sees one version of the endpoint's row, so its
    /// headers, secrets and lists are parsed once a read instead of once a delivery.
    /// </summary>
    protected Func<DbDataReader, ClaimedDelivery> ClaimedReader()
    {
        var endpoints = new Dictionary<string, Endpoint>(StringComparer.Ordinal);
        return reader =>
        {
            var endpointId = reader.Text("e_id")!;
            if (!endpoints.TryGetValue(endpointId, out var endpoint))
            {
                endpoint = ReadEndpoint(reader, "e_");
                endpoints[endpointId] = endpoint;
            }
            return new ClaimedDelivery
            {
                DeliveryId = reader.Long("d_id"),
                LeaseToken = reader.Text("d_lease_token")!,
                AttemptCount = (int)reader.Long("d_attempt_count"),
                Trigger = (AttemptTrigger)reader.Long("d_trigger_type"),
                ThrottleRate = reader.NullableInt("d_rate"),
                Message = ReadMessage(reader, "m_", withContent: true),
                Endpoint = endpoint,
            };
        };
    }

    /// <summary>
    /// For an ordered endpoint only the oldest unfinished delivery may go, and only when it is due:
    /// while it waits for a retry, everything behind it waits too.
    /// </summary>
    private static async Task<List<long>> OrderedHeadAsync(DbConnection c, DbTransaction t, string endpointId, long now, CancellationToken cancellationToken)
    {
        var head = await c.QueryAsync(t,
            "SELECT id, status, next_attempt_at FROM deliveries WHERE endpoint_id = @endpoint AND status IN (1, 3) ORDER BY id LIMIT 1",
            r => (Id: r.Long("id"), Status: r.Long("status"), Due: r.Long("next_attempt_at")),
            cancellationToken, ("@endpoint", endpointId));
        return head.Count == 1 && head[0].Status == 1 && head[0].Due <= now ? [head[0].Id] : [];
    }

    public async Task<IReadOnlyList<EndpointDisabled>> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken)
    {
        var statements = CompletionWrites(completions, out var failing);
        // Nothing to decide after the writes (no endpoint to disable): a store that writes one batch
        // without a transaction does, in one round trip, and locks nothing between round trips.
        if (failing.Count == 0 && await BatchWriteAsync(WriteDurability.Relaxed, async (connection, prelude) =>
            {
                await connection.ExecuteAllAsync(null, [.. prelude, .. statements], cancellationToken);
                return Array.Empty<EndpointDisabled>();
            }, cancellationToken) is { } none)
        {
            return none;
        }
        var disabled = await WriteAsync<IReadOnlyList<EndpointDisabled>>(async (c, t) =>
        {
            await c.ExecuteAllAsync(t, statements, cancellationToken);

            // Then, once per endpoint that failed in this batch: disable it when it answered 410 or
            // has been failing for DisableAfter (a success later in the batch has cleared that).
            var disabled = new List<EndpointDisabled>();
            foreach (var (endpointId, (latest, force, disableAfter)) in failing)
            {
                var off = await c.QueryAsync(t,
                    "UPDATE endpoints SET disabled = 1, updated_at = @now WHERE id = @id AND disabled = 0 AND (@force = 1 OR failing_since <= @cutoff) " +
                    "RETURNING app_id, id, uid, failing_since",
                    r => new EndpointDisabled(r.Text("app_id")!, r.Text("id")!, r.Text("uid"), r.Time("failing_since")),
                    cancellationToken, ("@id", endpointId), ("@now", latest), ("@force", force), ("@cutoff", latest - disableAfter));
                disabled.AddRange(off);
            }
            return disabled;
        }, WriteDurability.Relaxed, cancellationToken);
        foreach (var off in disabled)
        {
            // Fan-out must stop choosing a disabled endpoint now, not a cache lifetime later.
            _endpointCache.Invalidate(off.AppId);
        }
        return disabled;
    }

    /// <summary>
    /// The writes of a batch of outcomes, none of whose results is read, in one list; and, in endpoint
    /// id order, each endpoint with a failure in the batch, for the disable check after them.
    /// </summary>
    private List<(string, (string, object?)[])> CompletionWrites(IReadOnlyList<DeliveryCompletion> completions,
        out SortedDictionary<string, (DateTimeOffset Latest, bool Force, TimeSpan DisableAfter)> failing)
    {
        // Endpoint rows are updated in id order, so two nodes recording failures for the same
        // endpoints lock them in the same order and never deadlock.
        var statements = new List<(string, (string, object?)[])>(completions.Count * 3);
        failing = new SortedDictionary<string, (DateTimeOffset Latest, bool Force, TimeSpan DisableAfter)>(StringComparer.Ordinal);
        // Endpoint stats' rollup: one statement, before the updates below (it finds their rows by lease token).
        if (RollupCompletions(completions) is { } rollup)
        {
            statements.Add(rollup);
        }
        var ordered = completions.OrderBy(x => x.Attempt.EndpointId, StringComparer.Ordinal).ThenBy(x => x.DeliveryId).ToList();
        AddCompletionWrites(statements, ordered);
        // Endpoint health, one statement per endpoint (in id order): the effect the batch's outcomes
        // would have one after another. A success clears failing_since; the first failure after the
        // last success sets it (keeping an earlier time when the batch had no success).
        foreach (var endpoint in ordered.GroupBy(x => x.Attempt.EndpointId, StringComparer.Ordinal))
        {
            var outcomes = endpoint.ToList();
            var lastSuccess = outcomes.FindLastIndex(x => x.Outcome == DeliveryOutcome.Succeeded);
            if (lastSuccess == outcomes.Count - 1)
            {
                statements.Add(("UPDATE endpoints SET failing_since = NULL WHERE id = @id AND failing_since IS NOT NULL", [("@id", endpoint.Key)]));
            }
            else
            {
                var since = outcomes[lastSuccess + 1].Attempt.Timestamp;
                statements.Add((lastSuccess < 0
                    ? "UPDATE endpoints SET failing_since = COALESCE(failing_since, @now) WHERE id = @id"
                    : "UPDATE endpoints SET failing_since = @now WHERE id = @id",
                    [("@id", endpoint.Key), ("@now", since)]));
            }
            foreach (var done in outcomes.Where(x => x.Outcome != DeliveryOutcome.Succeeded))
            {
                var a = done.Attempt;
                var seen = failing.GetValueOrDefault(a.EndpointId);
                failing[a.EndpointId] = (a.Timestamp > seen.Latest ? a.Timestamp : seen.Latest, seen.Force || done.DisableEndpoint, done.DisableAfter);
            }
        }
        return statements;
    }

    /// <summary>The delivery's state after its attempt: its status, and when a retry is due.</summary>
    protected static (MessageStatus Status, DateTimeOffset? Next) NextState(DeliveryCompletion done)
    {
        ArgumentNullException.ThrowIfNull(done);
        var status = done.Outcome switch
        {
            DeliveryOutcome.Succeeded => MessageStatus.Success,
            DeliveryOutcome.Retry => MessageStatus.Pending,
            _ => MessageStatus.Fail,
        };
        // A retry without a time would never come due (and would wedge an ordered endpoint): retry now.
        return (status, done.Outcome == DeliveryOutcome.Retry ? done.NextAttemptAt ?? done.Attempt.Timestamp : null);
    }

    /// <summary>
    /// A manual resend asked for while the attempt was in flight queues the delivery again, due now
    /// (<c>@last</c>) with a fresh schedule, whatever this attempt's outcome; otherwise the delivery
    /// takes <c>@status</c> and <c>@next</c>. <paramref name="row"/> names the row's columns (an alias).
    /// </summary>
    protected static string CompletedDeliverySet(string row, string status, string next, string last) =>
        $"status = CASE WHEN {row}trigger_type = {ManualResendWaiting} THEN 1 ELSE {status} END, " +
        $"attempt_count = CASE WHEN {row}trigger_type = {ManualResendWaiting} THEN 0 ELSE {row}attempt_count + 1 END, " +
        $"next_attempt_at = CASE WHEN {row}trigger_type = {ManualResendWaiting} THEN {last} ELSE {next} END, last_attempt_at = {last}, " +
        $"lease_token = NULL, trigger_type = CASE WHEN {row}trigger_type = {ManualResendWaiting} THEN 1 ELSE 0 END";

    /// <summary>
    /// Adds the statements that record a batch's attempts and put its deliveries (still leased under
    /// the completion's token) in their next state: two statements a completion here; a store whose
    /// database takes arrays writes each kind in one statement.
    /// </summary>
    protected virtual void AddCompletionWrites(List<(string Sql, (string Name, object? Value)[] Parameters)> statements, IReadOnlyList<DeliveryCompletion> completions)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(completions);
        foreach (var done in completions)
        {
            var a = done.Attempt;
            statements.Add((
                InsertAttemptInto +
                "VALUES (@id, @msg, @endpoint, @app, @url, @status, @code, @response, @duration, @timestamp, @trigger, @error)",
                [("@id", a.Id), ("@msg", a.MessageId), ("@endpoint", a.EndpointId), ("@app", a.AppId), ("@url", a.Url), ("@status", a.Status),
                 ("@code", a.ResponseStatusCode), ("@response", a.Response), ("@duration", a.ResponseDurationMs), ("@timestamp", a.Timestamp),
                 ("@trigger", a.TriggerType), ("@error", a.Error)]));
            var (status, next) = NextState(done);
            statements.Add((
                CompleteDeliverySql,
                [("@status", status), ("@next", next), ("@last", a.Timestamp), ("@id", done.DeliveryId), ("@token", done.LeaseToken)]));
        }
    }

    /// <summary>One completion's delivery update (built once: it ran for every completion).</summary>
    private static readonly string CompleteDeliverySql =
        $"UPDATE deliveries SET {CompletedDeliverySet("", "@status", "@next", "@last")} WHERE id = @id AND lease_token = @token";

    public Task ReleaseAsync(long deliveryId, string leaseToken, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(t,
                $"UPDATE deliveries SET status = 1, next_attempt_at = @now, lease_token = NULL, trigger_type = CASE WHEN trigger_type = {ManualResendWaiting} THEN 1 ELSE trigger_type END " +
                "WHERE id = @id AND lease_token = @token",
                cancellationToken, ("@now", now), ("@id", deliveryId), ("@token", leaseToken));
            return true;
        }, WriteDurability.Relaxed, cancellationToken);

    /// <summary>
    /// The lease token of a delivery offered to <paramref name="nodeId"/>: inserted leased to the node
    /// that owns its endpoint by the node that accepted the message. A row is offered once, when it is
    /// inserted; once put back to pending it is only ever leased again by a claim, under a fresh token.
    /// </summary>
    protected static string OfferToken(string nodeId) => OfferTokenPrefix + nodeId;

    /// <summary>What every offer token starts with; claim and hand-off tokens are hexadecimal, so never with this.</summary>
    protected const string OfferTokenPrefix = "o:";

    public Task<IReadOnlyList<ClaimedDelivery>> TakeOffersAsync(string nodeId, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<ClaimedDelivery>>([]);
        }
        return ReadAsync<IReadOnlyList<ClaimedDelivery>>(async c =>
        {
            var inList = InList(ids, "@d", out var parameters);
            return await c.QueryAsync(null, TakeOffersSql(inList), ClaimedReader(), cancellationToken, [("@token", OfferToken(nodeId)), .. parameters]);
        }, cancellationToken);
    }

    /// <summary>
    /// The read of offered rows by id (<paramref name="ids"/>, a list of <c>@d</c> values) under
    /// <c>@token</c>, with what a claim returns (<see cref="ClaimedColumns"/>), in id order. The ids
    /// drive it (each found by its primary key); a plan that started from the sending rows would read
    /// every leased row, offers waiting included.
    /// <para>
    /// This read, the completion's rollup and the give-back of offers find leased rows by id and lease
    /// token alone, without <c>status = 3</c>: a row carries a lease token only while it is leased
    /// (every change out of status 3 clears it). With <c>status = 3</c> the planner may read them
    /// through the partial index of all leased rows instead of by primary key, which it does when its
    /// statistics say few rows are leased: seen in the three-node bench, where an analyze between
    /// bursts left that estimate at about 500 while tens of thousands were leased, and each completion
    /// batch and each read of offers scanned them all (the offers' read at 245-463 buffers a row instead of 10).
    /// </para>
    /// </summary>
    protected virtual string TakeOffersSql(string ids) =>
        $"WITH w(id) AS MATERIALIZED ({ids}) " +
        $"SELECT {ClaimedColumns} FROM w JOIN deliveries d ON d.id = w.id JOIN messages m ON m.id = d.msg_id JOIN endpoints e ON e.id = d.endpoint_id " +
        "JOIN applications a ON a.id = e.app_id WHERE d.lease_token = @token AND e.disabled = 0 ORDER BY d.id";

    public Task ReleaseOffersAsync(string nodeId, IReadOnlyList<long> ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return Task.CompletedTask;
        }
        return WriteAsync(async (c, t) =>
        {
            var inList = InList(ids, "@d", out var parameters);
            await c.ExecuteAsync(t,
                $"UPDATE deliveries SET status = 1, next_attempt_at = @now, lease_token = NULL WHERE id IN ({inList}) AND lease_token = @token",
                cancellationToken, [("@now", now), ("@token", OfferToken(nodeId)), .. parameters]);
            return true;
        }, WriteDurability.Relaxed, cancellationToken);
    }

    public Task<int> ReturnLostOffersAsync(string nodeId, IReadOnlyCollection<long> known, DateTimeOffset? leasedAfter, DateTimeOffset leasedUntil, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(known);
        return WriteAsync(async (c, t) =>
        {
            // Found through the leases' expiry index: only rows whose lease ends in (leasedAfter, leasedUntil] are looked at.
            var keep = leasedAfter is null ? "" : " AND next_attempt_at > @after";
            var parameters = new List<(string, object?)> { ("@now", now), ("@until", leasedUntil), ("@after", leasedAfter ?? DateTimeOffset.UnixEpoch), ("@token", OfferToken(nodeId)) };
            if (known.Count > 0)
            {
                keep += $" AND id NOT IN ({InList([.. known], "@k", out var keepParameters)})";
                parameters.AddRange(keepParameters);
            }
            return await c.ExecuteAsync(t,
                $"UPDATE deliveries SET status = 1, next_attempt_at = @now, lease_token = NULL WHERE status = 3 AND next_attempt_at <= @until AND lease_token = @token{keep}",
                cancellationToken, [.. parameters]);
        }, WriteDurability.Relaxed, cancellationToken);
    }

    public Task<int> ReturnStrandedOffersAsync(string nodeId, IReadOnlyCollection<string> endpointIds, DateTimeOffset? leasedAfter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(endpointIds);
        if (endpointIds.Count == 0)
        {
            return Task.FromResult(0);
        }
        return WriteAsync(async (c, t) =>
        {
            // Through the leases' expiry index: only leases that ran out (since leasedAfter) are looked
            // at. The range matters: the index keeps an entry for every delivery leased since the last
            // vacuum, finished or not, so a range over every lease that ran out reads through them all.
            var inList = InList([.. endpointIds], "@e", out var parameters);
            var since = leasedAfter is null ? "" : " AND next_attempt_at > @after";
            return await c.ExecuteAsync(t,
                "UPDATE deliveries SET status = 1, next_attempt_at = @now, lease_token = NULL " +
                $"WHERE status = 3 AND next_attempt_at <= @now{since} AND lease_token LIKE '{OfferTokenPrefix}%' AND lease_token <> @mine AND endpoint_id IN ({inList})",
                cancellationToken, [("@now", now), ("@after", leasedAfter ?? DateTimeOffset.UnixEpoch), ("@mine", OfferToken(nodeId)), .. parameters]);
        }, WriteDurability.Relaxed, cancellationToken);
    }

    public Task<DateTimeOffset?> GetNextDueAsync(DateTimeOffset after, DateTimeOffset? before, CancellationToken cancellationToken) =>
        ReadAsync(async c =>
        {
            // Two index range scans (pending by due time, leases by expiry) rather than one over both
            // states; deliveries of disabled endpoints wait without ever being due. The range ends at
            // @before: a lease ends a lease duration after it began, so the leases index holds, just
            // after @after, the entries of every delivery leased and finished in the last lease
            // duration, which are dead until vacuum; an open range read through all of them to the
            // first live lease (64-256 index pages a call on PostgreSQL in the multinode bench).
            var end = before is { } b ? b.ToUnixTimeMilliseconds() : long.MaxValue;
            var pending = await c.ScalarAsync(null,
                "SELECT d.next_attempt_at FROM deliveries d WHERE d.status = 1 AND d.next_attempt_at > @after AND d.next_attempt_at <= @before " +
                "AND EXISTS (SELECT 1 FROM endpoints e WHERE e.id = d.endpoint_id AND e.disabled = 0) ORDER BY d.next_attempt_at LIMIT 1",
                cancellationToken, ("@after", after), ("@before", end));
            var leases = await c.ScalarAsync(null,
                "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 3 AND next_attempt_at > @after AND next_attempt_at <= @before",
                cancellationToken, ("@after", after), ("@before", end));
            long? next = null;
            foreach (var value in new[] { pending, leases })
            {
                if (value is not null)
                {
                    var ms = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
                    next = next is null ? ms : Math.Min(next.Value, ms);
                }
            }
            return next is { } n ? DateTimeOffset.FromUnixTimeMilliseconds(n) : (DateTimeOffset?)null;
        }, cancellationToken);

    public Task<long> CountDueAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync(async c =>
        {
            var pending = await c.ScalarAsync(null,
                "SELECT COUNT(*) FROM deliveries d WHERE d.status = 1 AND d.next_attempt_at <= @now " +
                "AND EXISTS (SELECT 1 FROM endpoints e WHERE e.id = d.endpoint_id AND e.disabled = 0)",
                cancellationToken, ("@now", now));
            var expired = await c.ScalarAsync(null,
                "SELECT COUNT(*) FROM deliveries WHERE status = 3 AND next_attempt_at <= @now", cancellationToken, ("@now", now));
            return Convert.ToInt64(pending, System.Globalization.CultureInfo.InvariantCulture)
                + Convert.ToInt64(expired, System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

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
        AppendTagCondition(where, parameters, filter.Tag, "d.msg_id");
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
            // The message row is locked so that the retention purge (which skips locked messages) cannot
            // remove it while this queues a delivery for it.
            var exists = await c.QueryAsync(t,
                "SELECT m.id FROM messages m JOIN endpoints e ON e.app_id = m.app_id WHERE m.app_id = @app AND m.id = @msg AND e.id = @endpoint" + LockRowsClause("m"),
                r => r.Text("id"), cancellationToken, ("@app", appId), ("@msg", messageId), ("@endpoint", endpointId));
            if (exists.Count == 0)
            {
                return false;
            }
            // A finished delivery goes back to pending: out of the stats rollup. The row is locked whatever
            // its state, so that a completion cannot finish it between this read and the update below.
            var current = await c.QueryAsync(t,
                $"SELECT d.status FROM deliveries d WHERE d.msg_id = @msg AND d.endpoint_id = @endpoint{LockRowsClause("d")}",
                r => (MessageStatus)r.Long("status"), cancellationToken, ("@msg", messageId), ("@endpoint", endpointId));
            if (RollupAdjust(current.Select(s => (endpointId, appId, messageId, s)), -1) is { } rollup)
            {
                await c.ExecuteAsync(t, rollup.Item1, cancellationToken, rollup.Item2);
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
                    InsertDeliveryInto +
                    "VALUES (@msg, @endpoint, @app, 1, 0, @now, 1, @now) ON CONFLICT (msg_id, endpoint_id) DO NOTHING",
                    cancellationToken, ("@msg", messageId), ("@endpoint", endpointId), ("@app", appId), ("@now", now));
            }
            return true;
        }, cancellationToken);

    public Task<int> RecoverFailedAsync(string appId, string endpointId, DateTimeOffset since, DateTimeOffset? until, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            // The rows the update moved (failed → pending) leave the stats rollup, counted from what it returns.
            var recovered = await c.QueryAsync(t,
                "UPDATE deliveries SET status = 1, attempt_count = 0, next_attempt_at = @now, trigger_type = 1 " +
                "WHERE app_id = @app AND endpoint_id = @endpoint AND status = 2 AND msg_id >= @since AND msg_id < @until RETURNING msg_id",
                r => r.Text("msg_id")!, cancellationToken, ("@now", now), ("@app", appId), ("@endpoint", endpointId),
                ("@since", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, since)),
                ("@until", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, until ?? now.AddYears(100))));
            if (RollupAdjust(recovered.Select(m => (endpointId, appId, m, MessageStatus.Fail)), -1) is { } rollup)
            {
                await c.ExecuteAsync(t, rollup.Item1, cancellationToken, rollup.Item2);
            }
            return recovered.Count;
        }, cancellationToken);

    public Task<IReadOnlyList<ReplayCandidate>> ListReplayCandidatesAsync(
        string appId, string endpointId, string? afterMessageId, DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<ReplayCandidate>>(async c => await c.QueryAsync(null,
            // The application's messages in id order through ix_messages_app, each probed in the
            // deliveries' unique (msg_id, endpoint_id) index: a batch reads its own rows, however many
            // of the window's messages the endpoint already has.
            "SELECT m.id, m.event_type, m.channels, CASE WHEN m.payload IS NULL THEN 0 ELSE 1 END AS has_payload, " +
            "CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.endpoint_id = @endpoint) THEN 1 ELSE 0 END AS delivered " +
            "FROM messages m WHERE m.app_id = @app AND m.id >= @since AND m.id < @until AND m.id > @after ORDER BY m.id LIMIT @limit",
            r => new ReplayCandidate(r.Text("id")!, r.Text("event_type")!, SqlCommands.ChannelsFromColumn(r.Text("channels")), r.Bool("delivered"), r.Bool("has_payload")),
            cancellationToken,
            ("@app", appId), ("@endpoint", endpointId),
            ("@since", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, since)),
            ("@until", Ids.HooklineIds.Lowest(Ids.HooklineIds.Message, until)),
            // Ids sort after their prefix alone, so "msg_" stands for "from the start".
            ("@after", afterMessageId ?? Ids.HooklineIds.Message), ("@limit", (long)limit)), cancellationToken);

    public Task<int?> QueueMissingDeliveriesAsync(string appId, string endpointId, IReadOnlyList<string> messageIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync<int?>(async (c, t) =>
        {
            var exists = await c.ScalarAsync(t, "SELECT COUNT(*) FROM endpoints WHERE id = @endpoint AND app_id = @app", cancellationToken,
                ("@endpoint", endpointId), ("@app", appId));
            if (Convert.ToInt64(exists, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return null;
            }
            // A resend or a new fan-out may have written the row since the batch was read: the unique
            // (msg_id, endpoint_id) index keeps one delivery per pair, and that one counts as sent.
            await using var insert = c.Command(t,
                InsertDeliveryInto +
                "VALUES (@msg, @endpoint, @app, 1, 0, @now, 1, @now) ON CONFLICT (msg_id, endpoint_id) DO NOTHING");
            var queued = 0;
            foreach (var messageId in messageIds)
            {
                insert.Bind([("@msg", messageId), ("@endpoint", endpointId), ("@app", appId), ("@now", now)]);
                queued += await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            return queued;
        }, cancellationToken);
}
