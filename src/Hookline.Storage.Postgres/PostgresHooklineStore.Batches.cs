using System.Data.Common;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Npgsql;

namespace Hookline.Storage.Postgres;

/// <summary>
/// A group commit's rows of one kind as one statement: the rows travel as arrays, one per column,
/// and <c>unnest</c> turns them back into rows (so do the rollup's rows and lists of ids). One statement is parsed, planned and executed
/// instead of one per row, and its text is the same whatever the batch size, so it stays prepared.
/// </summary>
public sealed partial class PostgresHooklineStore
{
    protected override void AddMessageInserts(List<(string Sql, (string Name, object? Value)[] Parameters)> statements, IReadOnlyList<Message> messages)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }
        statements.Add((
            "INSERT INTO messages (id, app_id, event_id, event_type, payload, channels, tags, created_at, payload_expires_at, trace_parent, extra_headers) " +
            "SELECT * FROM unnest(@id::text[], @app::text[], @event::text[], @type::text[], @payload::bytea[], @channels::text[], @tags::text[], " +
            "@created::bigint[], @expires::bigint[], @trace::text[], @headers::text[])",
            [
                ("@id", messages.Select(m => m.Id).ToArray()),
                ("@app", messages.Select(m => m.AppId).ToArray()),
                ("@event", messages.Select(m => m.EventId).ToArray()),
                ("@type", messages.Select(m => m.EventType).ToArray()),
                ("@payload", messages.Select(m => m.Payload).ToArray()),
                ("@channels", messages.Select(m => ListColumn(m.Channels)).ToArray()),
                ("@tags", messages.Select(m => ListColumn(m.Tags)).ToArray()),
                ("@created", messages.Select(m => m.CreatedAt.ToUnixTimeMilliseconds()).ToArray()),
                ("@expires", messages.Select(m => m.PayloadExpiresAt?.ToUnixTimeMilliseconds()).ToArray()),
                ("@trace", messages.Select(m => m.TraceParent).ToArray()),
                ("@headers", messages.Select(ExtraHeadersColumn).ToArray()),
            ]));
    }

    protected override void AddDeliveryInserts(List<(string Sql, (string Name, object? Value)[] Parameters)> statements, IReadOnlyList<NewDeliveryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }
        // WITH ORDINALITY … ORDER BY: identities are given in the order rows reach the insert, and an
        // ordered endpoint sends by delivery id.
        statements.Add((
            InsertDeliveryInto +
            "SELECT r.msg, r.endpoint, r.app, 1, 0, r.due, 0, r.created " +
            "FROM unnest(@msg::text[], @endpoint::text[], @app::text[], @due::bigint[], @created::bigint[]) WITH ORDINALITY AS r(msg, endpoint, app, due, created, n) " +
            "ORDER BY r.n",
            [
                ("@msg", rows.Select(x => x.MessageId).ToArray()),
                ("@endpoint", rows.Select(x => x.EndpointId).ToArray()),
                ("@app", rows.Select(x => x.AppId).ToArray()),
                ("@due", rows.Select(x => x.Due.ToUnixTimeMilliseconds()).ToArray()),
                ("@created", rows.Select(x => x.CreatedAt.ToUnixTimeMilliseconds()).ToArray()),
            ]));
    }

    /// <summary>
    /// One statement for the batch; each row is leased where its lease's node owns the endpoint, or
    /// (an offer) to whichever node does, this one included (an endpoint it owns that had no room for
    /// a hand-off: read later instead of claimed), in both cases with a live owner row; else pending. Rows
    /// come back keyed by (message, endpoint), which is unique. The owner rows read are held (KEY
    /// SHARE) until the commit: a node that gives its endpoints up (deletes its rows) waits for
    /// these inserts, so once it has, nothing more is offered to it and it can return what was.
    /// </summary>
    protected override (string Sql, (string Name, object? Value)[] Parameters)? LeasedDeliveriesStatement(IReadOnlyList<LeasedDeliveryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return (
            "WITH held AS (SELECT o.endpoint_id, o.node_id, o.expires_at FROM endpoint_owners o " +
            "WHERE o.endpoint_id = ANY(@endpoint::text[]) FOR KEY SHARE) " +
            InsertLeasedDeliveryInto +
            "SELECT r.msg, r.endpoint, r.app, CASE WHEN o.endpoint_id IS NULL THEN 1 ELSE 3 END, 0, " +
            "CASE WHEN o.endpoint_id IS NULL THEN r.due ELSE r.until END, 0, r.created, " +
            $"CASE WHEN o.endpoint_id IS NULL THEN NULL WHEN r.offer THEN '{OfferTokenPrefix}' || o.node_id ELSE r.token END " +
            "FROM unnest(@msg::text[], @endpoint::text[], @app::text[], @due::bigint[], @created::bigint[], @until::bigint[], @token::text[], @node::text[], @now::bigint[], @offer::boolean[]) " +
            "WITH ORDINALITY AS r(msg, endpoint, app, due, created, until, token, node, now, offer, n) " +
            "LEFT JOIN held o ON o.endpoint_id = r.endpoint AND o.expires_at > r.now " +
            "AND (r.offer OR o.node_id = r.node) " +
            "ORDER BY r.n RETURNING id, msg_id, endpoint_id, status, lease_token",
            [
                ("@msg", rows.Select(x => x.Row.MessageId).ToArray()),
                ("@endpoint", rows.Select(x => x.Row.EndpointId).ToArray()),
                ("@app", rows.Select(x => x.Row.AppId).ToArray()),
                ("@due", rows.Select(x => x.Row.Due.ToUnixTimeMilliseconds()).ToArray()),
                ("@created", rows.Select(x => x.Row.CreatedAt.ToUnixTimeMilliseconds()).ToArray()),
                ("@until", rows.Select(x => x.Lease.Until.ToUnixTimeMilliseconds()).ToArray()),
                ("@token", rows.Select(x => x.Lease.Token).ToArray()),
                ("@node", rows.Select(x => x.Lease.NodeId).ToArray()),
                ("@now", rows.Select(x => x.Lease.Now.ToUnixTimeMilliseconds()).ToArray()),
                ("@offer", rows.Select(x => x.Offer).ToArray()),
            ]);
    }

    /// <summary>
    /// A connection of the main pool: a batch sent without a transaction is one implicit transaction,
    /// committed by the server at the end of the batch, so a write of statements known in full is one
    /// round trip, and no row it writes stays locked while the node is away. A durable one waits for
    /// the WAL flush as the server's <c>synchronous_commit</c> says (accepted messages); a relaxed one
    /// starts with <c>set_config('synchronous_commit', 'off', true)</c>, which lasts until that
    /// implicit transaction ends. Not <c>SET LOCAL</c>: it takes effect in a batch too, but the server
    /// logs a warning each time (it is not in a transaction block). Selected with no columns, so
    /// the batch's only result with columns stays its query's.
    /// </summary>
    protected override async Task<BatchWrite?> OpenBatchWriteAsync(WriteDurability durability, CancellationToken cancellationToken) =>
        new(await DataSource.OpenConnectionAsync(cancellationToken), durability == WriteDurability.Relaxed ? RelaxedBatchPrelude : []);

    internal static readonly (string Sql, (string Name, object? Value)[] Parameters)[] RelaxedBatchPrelude = [("SELECT FROM set_config('synchronous_commit', 'off', true)", [])];

    /// <summary>
    /// The ids again, as <c>d.id = ANY(@rd)</c>: joined only to the rows' <c>unnest</c>, the planner
    /// weighs a batch of 500 ids as 500 index probes and, until <c>deliveries</c> holds well over
    /// 100,000 rows, reads the whole table into a hash instead (a connection's first five runs of a
    /// statement are planned with its values). The same for the completions' update below.
    /// </summary>
    protected override string RollupRowsFilter => " AND d.id = ANY(@rd)";

    protected override string RollupRowsSql(IReadOnlyList<RollupRow> rows, List<(string Name, object? Value)> parameters)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Add(("@rd", rows.Select(x => x.Id).ToArray()));
        parameters.Add(("@rk", rows.Select(x => x.Token).ToArray()));
        parameters.Add(("@rh", rows.Select(x => x.Hour).ToArray()));
        parameters.Add(("@rs", rows.Select(x => x.Ok).ToArray()));
        return "SELECT * FROM unnest(@rd::bigint[], @rk::text[], @rh::bigint[], @rs::bigint[])";
    }

    protected override string InList<T>(IReadOnlyList<T> values, string prefix, out (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(values);
        var type = typeof(T) == typeof(string) ? "text"
            : typeof(T) == typeof(long) ? "bigint"
            : throw new ArgumentException($"A list of {typeof(T).Name} cannot be passed as an array here.", nameof(values));
        parameters = [(prefix, values.ToArray())];
        return $"SELECT unnest({prefix}::{type}[])";
    }

    protected override void AddCompletionWrites(List<(string Sql, (string Name, object? Value)[] Parameters)> statements, IReadOnlyList<DeliveryCompletion> completions)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(completions);
        if (completions.Count == 0)
        {
            return;
        }
        var attempts = completions.Select(x => x.Attempt).ToList();
        statements.Add((
            InsertAttemptInto +
            "SELECT * FROM unnest(@id::text[], @msg::text[], @endpoint::text[], @app::text[], @url::text[], @status::int[], @code::int[], " +
            "@response::text[], @duration::int[], @timestamp::bigint[], @trigger::int[], @error::text[])",
            [
                ("@id", attempts.Select(a => a.Id).ToArray()),
                ("@msg", attempts.Select(a => a.MessageId).ToArray()),
                ("@endpoint", attempts.Select(a => a.EndpointId).ToArray()),
                ("@app", attempts.Select(a => a.AppId).ToArray()),
                ("@url", attempts.Select(a => a.Url).ToArray()),
                ("@status", attempts.Select(a => (int)a.Status).ToArray()),
                ("@code", attempts.Select(a => a.ResponseStatusCode).ToArray()),
                ("@response", attempts.Select(a => a.Response).ToArray()),
                ("@duration", attempts.Select(a => a.ResponseDurationMs).ToArray()),
                ("@timestamp", attempts.Select(a => a.Timestamp.ToUnixTimeMilliseconds()).ToArray()),
                ("@trigger", attempts.Select(a => (int)a.TriggerType).ToArray()),
                ("@error", attempts.Select(a => a.Error).ToArray()),
            ]));
        var next = completions.Select(NextState).ToList();
        // Only a row still leased under the completion's token changes (as in the row-at-a-time form).
        // The ids twice: see RollupRowsFilter.
        statements.Add((
            $"UPDATE deliveries d SET {CompletedDeliverySet("d.", "v.status", "v.next", "v.last")} " +
            "FROM unnest(@id::bigint[], @token::text[], @status::int[], @next::bigint[], @last::bigint[]) AS v(id, token, status, next, last) " +
            "WHERE d.id = v.id AND d.lease_token = v.token AND d.id = ANY(@id)",
            [
                ("@id", completions.Select(x => x.DeliveryId).ToArray()),
                ("@token", completions.Select(x => x.LeaseToken).ToArray()),
                ("@status", next.Select(x => (int)x.Status).ToArray()),
                ("@next", next.Select(x => x.Next?.ToUnixTimeMilliseconds()).ToArray()),
                ("@last", attempts.Select(a => a.Timestamp.ToUnixTimeMilliseconds()).ToArray()),
            ]));
    }
}
