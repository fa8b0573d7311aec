namespace Hookline.Storage.Sqlite;

/// <summary>
/// The schema, as named steps applied in list order and recorded by name in
/// <c>schema_migrations</c>. A step runs when its name is not recorded yet, so steps written on
/// parallel branches merge without renumbering. Never edit a step that has shipped; add one.
/// </summary>
internal static class SqliteMigrations
{
    public static readonly IReadOnlyList<(string Name, string Sql)> Steps =
    [
        ("0001_initial", """
            CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);

            CREATE TABLE applications (
                id TEXT PRIMARY KEY, uid TEXT UNIQUE, name TEXT NOT NULL, throttle_rate INTEGER,
                metadata TEXT NOT NULL, kind INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);

            CREATE TABLE event_types (
                name TEXT PRIMARY KEY, description TEXT NOT NULL, schemas TEXT, archived INTEGER NOT NULL,
                deprecated INTEGER NOT NULL, feature_flag TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);

            CREATE TABLE endpoints (
                id TEXT PRIMARY KEY, app_id TEXT NOT NULL, uid TEXT, url TEXT NOT NULL, description TEXT NOT NULL,
                event_types TEXT, channels TEXT, throttle_rate INTEGER, disabled INTEGER NOT NULL,
                metadata TEXT NOT NULL, headers TEXT NOT NULL, secrets TEXT NOT NULL, ordered INTEGER NOT NULL,
                max_concurrency INTEGER, failing_since INTEGER, throttle_next_at INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                UNIQUE (app_id, uid));
            CREATE INDEX ix_endpoints_app ON endpoints (app_id, id);

            CREATE TABLE messages (
                id TEXT PRIMARY KEY, app_id TEXT NOT NULL, event_id TEXT, event_type TEXT NOT NULL, payload BLOB,
                channels TEXT, created_at INTEGER NOT NULL, payload_expires_at INTEGER, trace_parent TEXT, extra_headers TEXT);
            CREATE INDEX ix_messages_app ON messages (app_id, id);
            CREATE UNIQUE INDEX ix_messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
            CREATE INDEX ix_messages_expiry ON messages (payload_expires_at) WHERE payload IS NOT NULL;

            CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY AUTOINCREMENT, msg_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, app_id TEXT NOT NULL,
                status INTEGER NOT NULL, attempt_count INTEGER NOT NULL, next_attempt_at INTEGER, last_attempt_at INTEGER,
                lease_token TEXT, trigger_type INTEGER NOT NULL, created_at INTEGER NOT NULL,
                UNIQUE (msg_id, endpoint_id));
            CREATE INDEX ix_deliveries_pending ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 1;
            CREATE INDEX ix_deliveries_pending_due ON deliveries (next_attempt_at) WHERE status = 1;
            CREATE INDEX ix_deliveries_sending ON deliveries (endpoint_id) WHERE status = 3;
            CREATE INDEX ix_deliveries_leases ON deliveries (next_attempt_at) WHERE status = 3;
            CREATE INDEX ix_deliveries_open ON deliveries (endpoint_id, id) WHERE status IN (1, 3);
            CREATE INDEX ix_deliveries_endpoint ON deliveries (endpoint_id, msg_id);

            CREATE TABLE attempts (
                id TEXT PRIMARY KEY, msg_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, app_id TEXT NOT NULL, url TEXT NOT NULL,
                status INTEGER NOT NULL, response_status_code INTEGER NOT NULL, response TEXT, response_duration_ms INTEGER NOT NULL,
                timestamp INTEGER NOT NULL, trigger_type INTEGER NOT NULL, error TEXT);
            CREATE INDEX ix_attempts_endpoint ON attempts (app_id, endpoint_id, id);
            CREATE INDEX ix_attempts_msg ON attempts (app_id, msg_id, id);

            CREATE TABLE idempotency_keys (
                key_hash TEXT PRIMARY KEY, state INTEGER NOT NULL, status_code INTEGER, content_type TEXT, body BLOB,
                created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
            CREATE INDEX ix_idempotency_expiry ON idempotency_keys (expires_at);

            CREATE TABLE app_tokens (token_hash TEXT PRIMARY KEY, app_id TEXT NOT NULL, expires_at INTEGER NOT NULL);

            CREATE TABLE tasks (
                id TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, lease_until INTEGER NOT NULL);
            """),
        ("0003_deliveries_endpoint_status", """
            -- Endpoint stats count an endpoint's deliveries by status: through ix_deliveries_endpoint every
            -- one was a table lookup (230 ms at 1.3 M deliveries in the lists benchmark). With status and
            -- app_id in the index it is a covering-index scan (≈3× less), and the endpoint's message list
            -- filters by status in the index before touching the table. It replaces ix_deliveries_endpoint
            -- (same leading columns), so writes keep the same number of indexes.
            CREATE INDEX ix_deliveries_endpoint_status ON deliveries (endpoint_id, msg_id, status, app_id);
            DROP INDEX ix_deliveries_endpoint;
            """),
        // "0100_inbox" (the receiver inbox's table) was here until the inbox came to own its schema:
        // its store creates the table with its own steps (the inbox's migrations file), which accept a
        // database where this step already made it. Databases that recorded the step keep the table.
        ("0200_sources", """
            -- Ingest sources (the receiving gateway). Each source's endpoints live in a hidden
            -- application (applications.kind = 1); its request log keeps every request received.
            CREATE TABLE sources (
                id TEXT PRIMARY KEY, uid TEXT UNIQUE, name TEXT NOT NULL, type TEXT NOT NULL, config TEXT NOT NULL,
                metadata TEXT NOT NULL, app_id TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
            CREATE TABLE source_tokens (token TEXT PRIMARY KEY, source_id TEXT NOT NULL, expires_at INTEGER);
            CREATE INDEX ix_source_tokens_source ON source_tokens (source_id);
            CREATE TABLE ingest_requests (
                id TEXT PRIMARY KEY, source_id TEXT NOT NULL, received_at INTEGER NOT NULL, outcome INTEGER NOT NULL,
                status_code INTEGER NOT NULL, error_text TEXT NOT NULL, dedupe_key TEXT, headers TEXT NOT NULL,
                body BLOB NOT NULL, msg_id TEXT);
            CREATE INDEX ix_ingest_requests_source ON ingest_requests (source_id, id);
            -- One accepted request per delivery id and source: the dedupe guarantee.
            CREATE UNIQUE INDEX ix_ingest_requests_dedupe ON ingest_requests (source_id, dedupe_key) WHERE outcome = 0;
            """),
        ("0004_message_log", """
            -- The message log's filters at millions of messages. Failing (pending) and failed messages are
            -- found from their deliveries in message order, so a page costs the page even when none match
            -- (a scan of the app's messages probing each one took seconds at 1 M messages); succeeded
            -- deliveries, the bulk of the table, stay out of it. An event type is a range of its own.
            -- One index per status, each with the query's own condition word for word (with one index
            -- over status IN (1, 2), SQLite 3.53 sorted every failed delivery of the app for a page).
            CREATE INDEX ix_deliveries_app_pending ON deliveries (app_id, msg_id) WHERE status = 1;
            CREATE INDEX ix_deliveries_app_failed ON deliveries (app_id, msg_id) WHERE status = 2;
            CREATE INDEX ix_messages_app_event_type ON messages (app_id, event_type, id);
            """),
        ("0005_message_channels", """
            -- A message's channels, one row each, so that the message log's channel filter walks the
            -- channel's own messages in order instead of matching every message's channels column
            -- (415 ms for a channel nobody uses at 1 M messages). messages.channels stays the value read back.
            CREATE TABLE message_channels (
                app_id TEXT NOT NULL, channel TEXT NOT NULL, msg_id TEXT NOT NULL,
                PRIMARY KEY (app_id, channel, msg_id)) WITHOUT ROWID;
            WITH RECURSIVE split(app_id, msg_id, channel, rest) AS (
                SELECT app_id, id, NULL, substr(channels, 2) FROM messages WHERE channels IS NOT NULL
                UNION ALL
                SELECT app_id, msg_id, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
                FROM split WHERE instr(rest, ',') > 0)
            INSERT OR IGNORE INTO message_channels (app_id, channel, msg_id)
            SELECT app_id, channel, msg_id FROM split WHERE channel IS NOT NULL AND channel <> '';
            """),
        ("0007_tags", """
            -- Svix message tags: messages.tags is the value read back (',a,b,' like channels), and
            -- message_tags holds one row per tag so that a tag filter walks that tag's own messages in
            -- order (the message_channels pattern) instead of matching every message.
            ALTER TABLE messages ADD COLUMN tags TEXT;
            CREATE TABLE message_tags (
                app_id TEXT NOT NULL, tag TEXT NOT NULL, msg_id TEXT NOT NULL,
                PRIMARY KEY (app_id, tag, msg_id)) WITHOUT ROWID;
            """),
        ("0008_retention", """
            -- Endpoint stats read this rollup instead of counting an endpoint's whole history: finished
            -- deliveries (succeeded, failed) per endpoint and per hour of their message's creation (the
            -- hour of the message id's time, so a window of whole hours is a range here). The store keeps it
            -- in the same transaction as every change of a delivery into or out of a finished state
            -- (completion, resend, recover, retention purge). Pending and sending deliveries are few and
            -- counted live. Filled here from the deliveries already finished.
            CREATE TABLE delivery_rollups (
                endpoint_id TEXT NOT NULL, hour INTEGER NOT NULL, app_id TEXT NOT NULL,
                succeeded INTEGER NOT NULL, failed INTEGER NOT NULL,
                PRIMARY KEY (endpoint_id, hour)) WITHOUT ROWID;
            CREATE INDEX ix_delivery_rollups_app ON delivery_rollups (app_id);
            INSERT INTO delivery_rollups (endpoint_id, hour, app_id, succeeded, failed)
            SELECT d.endpoint_id, m.created_at - m.created_at % 3600000, MIN(d.app_id),
                SUM(CASE WHEN d.status = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN d.status = 2 THEN 1 ELSE 0 END)
            FROM deliveries d JOIN messages m ON m.id = d.msg_id WHERE d.status IN (0, 2)
            GROUP BY d.endpoint_id, m.created_at - m.created_at % 3600000;
            """),
        ("0006_secrets_a", """
            -- Secrets sealed at rest (docs/security.md): an ingest token is stored as its keyed hash
            -- (token, still the key it is looked up by) beside its sealed value (sealed). Existing rows
            -- are sealed by the server at start, after the migrations: SQL cannot call Data Protection.
            ALTER TABLE source_tokens ADD COLUMN sealed TEXT;
            """),
        ("0010_engine_ownership", """
            -- The engine's second design: a node owns whole endpoints for a lease it renews by heartbeat,
            -- and only the owner sends to them. engine_nodes counts the live nodes, so that each takes its share.
            CREATE TABLE endpoint_owners (endpoint_id TEXT PRIMARY KEY, node_id TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE INDEX ix_endpoint_owners_node ON endpoint_owners (node_id);
            CREATE TABLE engine_nodes (node_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
            """),
        ("0011_deliveries_endpoint_index", """
            -- 0003 put status (and app_id) in the endpoint's index so that all-time endpoint stats could
            -- count deliveries by status inside it. Stats read delivery_rollups since 0008, and with status
            -- in its key every claim and every outcome moved each delivery's entry in this index: about a
            -- third of the cost of a delivery's writes. The key without status is what the endpoint's
            -- message list pages by; its status filter reads the rows it passes.
            CREATE INDEX ix_deliveries_endpoint ON deliveries (endpoint_id, msg_id);
            DROP INDEX ix_deliveries_endpoint_status;
            """),
    ];
}
