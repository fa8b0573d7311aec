using System.Data.Common;
using Hookline.Core.Storage;
using Npgsql;

namespace Hookline.Storage.Postgres;

public sealed partial class PostgresHooklineStore
{
    /// <summary>
    /// Locks the endpoints this claim will book, skipping those another node is booking right now,
    /// then reads their capacity. Two statements on purpose: at READ COMMITTED a statement sees the
    /// database as of its start, so an in-flight count taken in the locking statement could predate a
    /// claim that committed while this one waited for the row — and both would fill the same slots. The
    /// second statement starts after the locks are held and sees every such claim. Slots only ever get
    /// taken under the endpoint lock (completions only free them), so the count cannot be too low.
    /// </summary>
    protected override async Task<IReadOnlyList<EndpointCapacity>> SelectClaimableEndpointsAsync(DbConnection connection, DbTransaction transaction, ClaimRequest request, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var c = (NpgsqlConnection)connection;
        var t = (NpgsqlTransaction)transaction;

        // At most one endpoint per delivery the claim may return, picked at random among those that
        // look claimable (due work, a free slot, an ordered endpoint's head due), so nodes claiming at
        // the same moment spread over different endpoints instead of queueing for the same rows. The
        // filters read a snapshot and only narrow the choice; the count below is the one that books.
        var ids = new List<string>();
        await using (var select = new NpgsqlCommand(
            """
            SELECT e.id FROM endpoints e
            WHERE e.disabled = 0
              AND EXISTS (SELECT 1 FROM deliveries p WHERE p.endpoint_id = e.id AND p.status = 1 AND p.next_attempt_at <= @now)
              AND (SELECT COUNT(*) FROM deliveries s WHERE s.endpoint_id = e.id AND s.status = 3)
                  < CASE WHEN e.ordered <> 0 THEN 1 ELSE GREATEST(1, COALESCE(e.max_concurrency, @default)) END
              AND (e.ordered = 0 OR (SELECT o.status = 1 AND o.next_attempt_at <= @now FROM deliveries o
                                     WHERE o.endpoint_id = e.id AND o.status IN (1, 3) ORDER BY o.id LIMIT 1))
            ORDER BY random()
            LIMIT @max
            FOR UPDATE OF e SKIP LOCKED
            """, c, t))
        {
            select.Parameters.AddWithValue("now", now);
            select.Parameters.AddWithValue("default", (long)request.DefaultMaxConcurrency);
            select.Parameters.AddWithValue("max", (long)Math.Max(1, request.MaxDeliveries));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }
        if (ids.Count == 0)
        {
            return [];
        }

        await using var capacity = new NpgsqlCommand(
            """
            SELECT e.id, e.ordered, e.max_concurrency, COALESCE(e.throttle_rate, a.throttle_rate) AS rate, e.throttle_next_at,
                   (SELECT COUNT(*) FROM deliveries s WHERE s.endpoint_id = e.id AND s.status = 3) AS in_flight
            FROM endpoints e JOIN applications a ON a.id = e.app_id
            WHERE e.id = ANY(@ids)
            """, c, t);
        capacity.Parameters.AddWithValue("ids", ids.ToArray());
        var endpoints = new List<EndpointCapacity>(ids.Count);
        await using (var reader = await capacity.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                endpoints.Add(new EndpointCapacity(
                    reader.GetString(0),
                    reader.GetInt32(1) != 0,
                    reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    reader.GetInt64(4),
                    reader.GetInt64(5)));
            }
        }
        return endpoints;
    }
}
