using System.Data.Common;
using Hookline.Core.Storage;
using Npgsql;

namespace Hookline.Storage.Postgres;

/// <summary>
/// Claims across nodes. Every booking of an endpoint's slots (concurrency, the ordered head, throttle
/// times) happens while its row is locked, so two nodes never book the same endpoint at once; the
/// endpoint is locked only when the claim reaches it and skipped when another claim holds it, so a
/// claim holds just the endpoints it books and nodes spread over different endpoints.
/// </summary>
public sealed partial class PostgresHooklineStore
{
    /// <summary>
    /// Candidates, read without locks: endpoints that look claimable (due work, a free slot, an
    /// ordered endpoint's head due), in random order, a few more than the claim can use so that
    /// endpoints other nodes hold can be skipped. Their counts are only a filter; the counts the claim
    /// books by come from <see cref="LockClaimableEndpointAsync"/>.
    /// </summary>
    /// <remarks>
    /// The endpoints with pending deliveries are found by skipping through the pending index one
    /// endpoint at a time (a recursive walk: each step is one index probe for the next endpoint id and
    /// its earliest due time), so the cost grows with the number of endpoints that have pending work,
    /// never with the size of their backlogs: a slow endpoint with a million due deliveries costs one
    /// probe, like an endpoint with one. A plain <c>EXISTS</c> leaves that choice to the planner, which
    /// may read every due row to collect the endpoint ids.
    /// </remarks>
    protected override async Task<IReadOnlyList<EndpointCapacity>> SelectClaimableEndpointsAsync(DbConnection connection, DbTransaction transaction, ClaimRequest request, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var select = new NpgsqlCommand(
            """
            WITH RECURSIVE pending AS (
                (SELECT p.endpoint_id, p.next_attempt_at FROM deliveries p WHERE p.status = 1
                 ORDER BY p.endpoint_id, p.next_attempt_at LIMIT 1)
                UNION ALL
                SELECT n.endpoint_id, n.next_attempt_at FROM pending, LATERAL (
                    SELECT p.endpoint_id, p.next_attempt_at FROM deliveries p WHERE p.status = 1 AND p.endpoint_id > pending.endpoint_id
                    ORDER BY p.endpoint_id, p.next_attempt_at LIMIT 1) n
            )
            SELECT e.id, e.ordered, e.max_concurrency, COALESCE(e.throttle_rate, a.throttle_rate) AS rate, e.throttle_next_at,
                   (SELECT COUNT(*) FROM deliveries s WHERE s.endpoint_id = e.id AND s.status = 3) AS in_flight
            FROM pending JOIN endpoints e ON e.id = pending.endpoint_id JOIN applications a ON a.id = e.app_id
            WHERE pending.next_attempt_at <= @now AND e.disabled = 0
              AND (SELECT COUNT(*) FROM deliveries s WHERE s.endpoint_id = e.id AND s.status = 3)
                  < CASE WHEN e.ordered <> 0 THEN 1 ELSE GREATEST(1, COALESCE(e.max_concurrency, @default)) END
              AND (e.ordered = 0 OR (SELECT o.status = 1 AND o.next_attempt_at <= @now FROM deliveries o
                                     WHERE o.endpoint_id = e.id AND o.status IN (1, 3) ORDER BY o.id LIMIT 1))
            ORDER BY random()
            LIMIT @candidates
            """, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        select.Parameters.AddWithValue("now", now);
        select.Parameters.AddWithValue("default", (long)request.DefaultMaxConcurrency);
        select.Parameters.AddWithValue("candidates", 16 + (2L * Math.Max(1, request.MaxDeliveries)));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var candidates = new List<EndpointCapacity>();
        while (await reader.ReadAsync(cancellationToken))
        {
            candidates.Add(ReadCapacity(reader, reader.GetString(0), offset: 1));
        }
        return candidates;
    }

    /// <summary>
    /// Locks the endpoint row (<c>SKIP LOCKED</c>: another node is booking it, so this claim moves on),
    /// then reads its capacity. Two statements on purpose, sent in one round trip: at READ COMMITTED a
    /// statement sees the database as of its own start, so a count taken in the locking statement could
    /// predate a claim that committed while this one waited for the row, and both would fill the same
    /// slots. The second statement starts once the lock is held and sees every such claim. Slots are
    /// only ever taken under this lock (completions only free them), so the count cannot be too low.
    /// </summary>
    protected override async Task<EndpointCapacity?> LockClaimableEndpointAsync(DbConnection connection, DbTransaction transaction, EndpointCapacity candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT 1 FROM endpoints WHERE id = @id AND disabled = 0 FOR UPDATE SKIP LOCKED") { Parameters = { new("id", candidate.Id) } },
                new NpgsqlBatchCommand(
                    """
                    SELECT e.ordered, e.max_concurrency, COALESCE(e.throttle_rate, a.throttle_rate) AS rate, e.throttle_next_at,
                           (SELECT COUNT(*) FROM deliveries s WHERE s.endpoint_id = e.id AND s.status = 3) AS in_flight
                    FROM endpoints e JOIN applications a ON a.id = e.app_id
                    WHERE e.id = @id
                    """) { Parameters = { new("id", candidate.Id) } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var locked = await reader.ReadAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return locked && await reader.ReadAsync(cancellationToken) ? ReadCapacity(reader, candidate.Id, offset: 0) : null;
    }

    private static EndpointCapacity ReadCapacity(NpgsqlDataReader reader, string id, int offset) => new(
        id,
        reader.GetInt32(offset) != 0,
        reader.IsDBNull(offset + 1) ? null : reader.GetInt32(offset + 1),
        reader.IsDBNull(offset + 2) ? null : reader.GetInt32(offset + 2),
        reader.GetInt64(offset + 3),
        reader.GetInt64(offset + 4));
}
