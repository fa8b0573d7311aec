using Hookline.Core.Storage.Sql;

namespace Hookline.Storage.Sqlite;

/// <summary>
/// The receiver inbox's own schema, recorded in <c>inbox_schema_migrations</c> (not the platform's
/// <c>schema_migrations</c>), so the inbox can sit in any database. Never edit a step that has
/// shipped; add one.
/// </summary>
/// <remarks>
/// Until the inbox owned its schema, the platform's step <c>0100_inbox</c> created this table (and the
/// receiver migrated a whole platform schema into the app's inbox file). The first step therefore
/// creates only what is missing: over such a file it finds the table and its indexes, with their
/// items, and just records itself.
/// </remarks>
internal static class SqliteInboxMigrations
{
    public static readonly IReadOnlyList<(string Name, string Sql)> Steps =
    [
        ("0009_inbox", """
            -- Status 1 = pending (next_attempt_at: due time), 3 = running (next_attempt_at: lease expiry),
            -- 4 = done, 5 = dead letter.
            CREATE TABLE IF NOT EXISTS inbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT, webhook TEXT NOT NULL, delivery_id TEXT NOT NULL,
                status INTEGER NOT NULL, attempt_count INTEGER NOT NULL, next_attempt_at INTEGER, lease_token TEXT,
                received_at INTEGER NOT NULL, last_attempt_at INTEGER, completed_at INTEGER, last_error TEXT,
                verified_timestamp INTEGER, url TEXT, method TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
                UNIQUE (webhook, delivery_id));
            CREATE INDEX IF NOT EXISTS ix_inbox_due ON inbox (next_attempt_at) WHERE status IN (1, 3);
            CREATE INDEX IF NOT EXISTS ix_inbox_status ON inbox (status, id);
            CREATE INDEX IF NOT EXISTS ix_inbox_done ON inbox (completed_at) WHERE status = 4;
            """),
    ];

    /// <summary>The steps, applied like the platform's (one write transaction; SQLite's file lock keeps two processes apart).</summary>
    public static readonly SqlMigrationRunner Runner = new(
        Steps,
        createHistoryTableSql: "CREATE TABLE IF NOT EXISTS inbox_schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
        historyTable: "inbox_schema_migrations");
}
