using Hookline.Core.Storage;

namespace Hookline.Storage.Postgres;

/// <summary>
/// A group commit's rows of one kind as one statement: the rows travel as arrays, one per column,
/// and <c>unnest</c> turns them back into rows. One statement is parsed, planned and executed
/// instead of one per row, and its text is the same whatever the batch size, so it stays prepared.
/// </summary>
public sealed partial class PostgresHooklineStore
{
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
        statements.Add((
            $"UPDATE deliveries d SET {CompletedDeliverySet("d.", "v.status", "v.next", "v.last")} " +
            "FROM unnest(@id::bigint[], @token::text[], @status::int[], @next::bigint[], @last::bigint[]) AS v(id, token, status, next, last) " +
            "WHERE d.id = v.id AND d.lease_token = v.token",
            [
                ("@id", completions.Select(x => x.DeliveryId).ToArray()),
                ("@token", completions.Select(x => x.LeaseToken).ToArray()),
                ("@status", next.Select(x => (int)x.Status).ToArray()),
                ("@next", next.Select(x => x.Next?.ToUnixTimeMilliseconds()).ToArray()),
                ("@last", attempts.Select(a => a.Timestamp.ToUnixTimeMilliseconds()).ToArray()),
            ]));
    }
}
