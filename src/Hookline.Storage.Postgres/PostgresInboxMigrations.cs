using Hookline.Core.Storage.Sql;

namespace Hookline.Storage.Postgres;

/// <summary>
/// The receiver inbox's own schema, recorded in <c>inbox_schema_migrations</c> (not the platform's
/// <c>schema_migrations</c>), so the inbox can sit in any database or schema, beside the app's own
/// tables or a Hookline server's. Column types follow <see cref="PostgresMigrations"/>. Never edit a
/// step that has shipped; add one.
/// </summary>
/// <remarks>
/// Until the inbox owned its schema, the platform's step <c>0100_inbox</c> created this table. The first
/// step therefore creates only what is missing: over such a schema it finds the table and its indexes,
/// with their items, and just records itself.
/// </remarks>
internal static class PostgresInboxMigrations
{
    public static readonly IReadOnlyList<(string Name, string Sql)> Steps =
    [
        ("0009_inbox", """
            -- Status 1 = pending (next_attempt_at: due time), 3 = running (next_attempt_at: lease expiry),
            -- 4 = done, 5 = dead letter.
            CREATE TABLE IF NOT EXISTS inbox (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, webhook text COLLATE "C" NOT NULL,
                delivery_id text COLLATE "C" NOT NULL, status integer NOT NULL, attempt_count integer NOT NULL,
                next_attempt_at bigint, lease_token text COLLATE "C", received_at bigint NOT NULL, last_attempt_at bigint,
                completed_at bigint, last_error text, verified_timestamp bigint, url text, method text NOT NULL,
                headers text NOT NULL, body bytea NOT NULL,
                UNIQUE (webhook, delivery_id));
            CREATE INDEX IF NOT EXISTS ix_inbox_due ON inbox (next_attempt_at) WHERE status IN (1, 3);
            CREATE INDEX IF NOT EXISTS ix_inbox_status ON inbox (status, id);
            CREATE INDEX IF NOT EXISTS ix_inbox_done ON inbox (completed_at) WHERE status = 4;
            """),
    ];

    /// <summary>
    /// The steps, applied like the platform's: nodes starting together queue on an advisory lock of
    /// the inbox's own (keyed by the schema), so an inbox beside a Hookline server's tables does not
    /// wait for the server's migrations or the other way round.
    /// </summary>
    public static readonly SqlMigrationRunner Runner = new(
        Steps,
        createHistoryTableSql: "CREATE TABLE IF NOT EXISTS inbox_schema_migrations (name text COLLATE \"C\" PRIMARY KEY, applied_at bigint NOT NULL)",
        lockSql: "SELECT pg_advisory_xact_lock(hashtextextended('hookline.inbox.migrations:' || COALESCE(current_schema(), ''), 0))",
        historyTable: "inbox_schema_migrations");
}
