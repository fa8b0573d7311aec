namespace Hookline.Storage.Postgres;

/// <summary>
/// The schema, as named steps applied in list order and recorded by name in <c>schema_migrations</c>,
/// named as in <c>SqliteMigrations</c> (a feature's step has the same name in both). A step runs when
/// its name is not recorded yet, so steps written on parallel branches merge without renumbering.
/// Never edit a step that has shipped; add one.
/// </summary>
/// <remarks>
/// The portable SQL in <c>SqlHooklineStore</c> runs unchanged on these tables, so the column types keep
/// its conventions: ids and other keys are <c>text COLLATE "C"</c> (byte order, like SQLite's BINARY, so
/// the time-sortable base62 ids page and compare the same on both stores whatever the database's
/// locale); times are <c>bigint</c> Unix milliseconds; booleans and small enums are <c>integer</c> 0/1
/// (the SQL compares them with literals and binds <c>bigint</c> parameters, which PostgreSQL compares
/// and assigns to <c>integer</c> without casts); lists and maps are JSON <c>text</c>; payloads <c>bytea</c>.
/// There are no foreign keys, as on SQLite: the store deletes dependants itself, and claims lock
/// endpoint rows, which foreign-key checks from hot inserts would otherwise contend with.
/// </remarks>
internal static class PostgresMigrations
{
    public static readonly IReadOnlyList<(string Name, string Sql)> Steps =
    [
        ("0001_initial", """
            CREATE TABLE settings (name text COLLATE "C" PRIMARY KEY, value text NOT NULL);

            CREATE TABLE applications (
                id text COLLATE "C" PRIMARY KEY, uid text COLLATE "C" UNIQUE, name text NOT NULL, throttle_rate integer,
                metadata text NOT NULL, kind integer NOT NULL DEFAULT 0,
                created_at bigint NOT NULL, updated_at bigint NOT NULL);

            CREATE TABLE event_types (
                name text COLLATE "C" PRIMARY KEY, description text NOT NULL, schemas text, archived integer NOT NULL,
                deprecated integer NOT NULL, feature_flag text, created_at bigint NOT NULL, updated_at bigint NOT NULL);

            CREATE TABLE endpoints (
                id text COLLATE "C" PRIMARY KEY, app_id text COLLATE "C" NOT NULL, uid text COLLATE "C", url text NOT NULL,
                description text NOT NULL, event_types text, channels text, throttle_rate integer, disabled integer NOT NULL,
                metadata text NOT NULL, headers text NOT NULL, secrets text NOT NULL, ordered integer NOT NULL,
                max_concurrency integer, failing_since bigint, throttle_next_at bigint NOT NULL DEFAULT 0,
                created_at bigint NOT NULL, updated_at bigint NOT NULL,
                UNIQUE (app_id, uid));
            CREATE INDEX ix_endpoints_app ON endpoints (app_id, id);

            CREATE TABLE messages (
                id text COLLATE "C" PRIMARY KEY, app_id text COLLATE "C" NOT NULL, event_id text COLLATE "C",
                event_type text COLLATE "C" NOT NULL, payload bytea, channels text COLLATE "C", created_at bigint NOT NULL,
                payload_expires_at bigint, trace_parent text, extra_headers text);
            CREATE INDEX ix_messages_app ON messages (app_id, id);
            CREATE UNIQUE INDEX ix_messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
            CREATE INDEX ix_messages_expiry ON messages (payload_expires_at) WHERE payload IS NOT NULL;

            -- The queue. Status 1 = pending (next_attempt_at: due time), 3 = sending (next_attempt_at:
            -- lease expiry); the partial indexes cover exactly the rows claims and wake-ups look at, so
            -- millions of finished deliveries cost them nothing.
            CREATE TABLE deliveries (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, msg_id text COLLATE "C" NOT NULL,
                endpoint_id text COLLATE "C" NOT NULL, app_id text COLLATE "C" NOT NULL,
                status integer NOT NULL, attempt_count integer NOT NULL, next_attempt_at bigint, last_attempt_at bigint,
                lease_token text COLLATE "C", trigger_type integer NOT NULL, created_at bigint NOT NULL,
                UNIQUE (msg_id, endpoint_id));
            CREATE INDEX ix_deliveries_pending ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 1;
            CREATE INDEX ix_deliveries_pending_due ON deliveries (next_attempt_at) WHERE status = 1;
            CREATE INDEX ix_deliveries_sending ON deliveries (endpoint_id) WHERE status = 3;
            CREATE INDEX ix_deliveries_leases ON deliveries (next_attempt_at) WHERE status = 3;
            CREATE INDEX ix_deliveries_open ON deliveries (endpoint_id, id) WHERE status IN (1, 3);
            CREATE INDEX ix_deliveries_endpoint ON deliveries (endpoint_id, msg_id);

            CREATE TABLE attempts (
                id text COLLATE "C" PRIMARY KEY, msg_id text COLLATE "C" NOT NULL, endpoint_id text COLLATE "C" NOT NULL,
                app_id text COLLATE "C" NOT NULL, url text NOT NULL, status integer NOT NULL, response_status_code integer NOT NULL,
                response text, response_duration_ms integer NOT NULL, timestamp bigint NOT NULL, trigger_type integer NOT NULL,
                error text);
            CREATE INDEX ix_attempts_endpoint ON attempts (app_id, endpoint_id, id);
            CREATE INDEX ix_attempts_msg ON attempts (app_id, msg_id, id);

            CREATE TABLE idempotency_keys (
                key_hash text COLLATE "C" PRIMARY KEY, state integer NOT NULL, status_code integer, content_type text, body bytea,
                created_at bigint NOT NULL, expires_at bigint NOT NULL);
            CREATE INDEX ix_idempotency_expiry ON idempotency_keys (expires_at);

            CREATE TABLE app_tokens (token_hash text COLLATE "C" PRIMARY KEY, app_id text COLLATE "C" NOT NULL, expires_at bigint NOT NULL);

            CREATE TABLE tasks (
                id text COLLATE "C" PRIMARY KEY, type text NOT NULL, status text NOT NULL, data text NOT NULL,
                created_at bigint NOT NULL, updated_at bigint NOT NULL, lease_until bigint NOT NULL);
            """),
        ("0002_deliveries_by_status", """
            -- Lists of an endpoint's messages filtered by a rare status (failed; pending or sending on a
            -- healthy endpoint) and "recover failed" walk these in message order instead of the endpoint's
            -- whole history. The common status (succeeded) is served by ix_deliveries_endpoint.
            CREATE INDEX ix_deliveries_failed ON deliveries (endpoint_id, msg_id) WHERE status = 2;
            CREATE INDEX ix_deliveries_unfinished ON deliveries (endpoint_id, msg_id) WHERE status IN (1, 3);
            """),
        ("0003_deliveries_endpoint_status", """
            -- Endpoint stats count an endpoint's deliveries by status: through ix_deliveries_endpoint every
            -- one was a heap visit, so with millions of deliveries the planner scanned the whole table
            -- (340 ms at 1.3 M deliveries in the lists benchmark). The same key with status and app_id
            -- carried along makes it an index-only scan (≈4× less), and the endpoint's message list reads
            -- its status filter from the index too. It replaces ix_deliveries_endpoint, so writes keep
            -- the same number of indexes. Built in the migration's transaction: writes to deliveries
            -- wait while it builds (seconds per million rows).
            CREATE INDEX ix_deliveries_endpoint_status ON deliveries (endpoint_id, msg_id) INCLUDE (status, app_id);
            DROP INDEX ix_deliveries_endpoint;
            """),
        // "0100_inbox" (the receiver inbox's table) was here until the inbox came to own its schema:
        // its store creates the table with its own steps (the inbox's migrations file), which accept a
        // database where this step already made it. Databases that recorded the step keep the table.
        ("0200_sources", """
            -- Ingest sources (the receiving gateway). Each source's endpoints live in a hidden
            -- application (applications.kind = 1); its request log keeps every request received.
            CREATE TABLE sources (
                id text COLLATE "C" PRIMARY KEY, uid text COLLATE "C" UNIQUE, name text NOT NULL, type text NOT NULL,
                config text NOT NULL, metadata text NOT NULL, app_id text COLLATE "C" NOT NULL,
                created_at bigint NOT NULL, updated_at bigint NOT NULL);
            CREATE TABLE source_tokens (token text COLLATE "C" PRIMARY KEY, source_id text COLLATE "C" NOT NULL, expires_at bigint);
            CREATE INDEX ix_source_tokens_source ON source_tokens (source_id);
            CREATE TABLE ingest_requests (
                id text COLLATE "C" PRIMARY KEY, source_id text COLLATE "C" NOT NULL, received_at bigint NOT NULL,
                outcome integer NOT NULL, status_code integer NOT NULL, error_text text NOT NULL, dedupe_key text COLLATE "C",
                headers text NOT NULL, body bytea NOT NULL, msg_id text COLLATE "C");
            CREATE INDEX ix_ingest_requests_source ON ingest_requests (source_id, id);
            -- One accepted request per delivery id and source: the dedupe guarantee.
            CREATE UNIQUE INDEX ix_ingest_requests_dedupe ON ingest_requests (source_id, dedupe_key) WHERE outcome = 0;
            """),
        ("0004_message_log", """
            -- The message log's filters at millions of messages. Failing (pending) and failed messages are
            -- found from their deliveries in message order, so a page costs the page even when none match;
            -- succeeded deliveries, the bulk of the table, stay out of it. An event type is a range of its
            -- own. Built in the migration's transaction: writes wait while it builds (seconds per million rows).
            -- One index per status, each with the query's own condition word for word (with one index
            -- over status IN (1, 2), SQLite 3.53 sorted every failed delivery of the app for a page).
            CREATE INDEX ix_deliveries_app_pending ON deliveries (app_id, msg_id) WHERE status = 1;
            CREATE INDEX ix_deliveries_app_failed ON deliveries (app_id, msg_id) WHERE status = 2;
            CREATE INDEX ix_messages_app_event_type ON messages (app_id, event_type, id);
            """),
        ("0005_message_channels", """
            -- A message's channels, one row each, so that the message log's channel filter walks the
            -- channel's own messages in order instead of matching every message's channels column.
            -- messages.channels stays the value read back.
            CREATE TABLE message_channels (
                app_id text COLLATE "C" NOT NULL, channel text COLLATE "C" NOT NULL, msg_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (app_id, channel, msg_id));
            INSERT INTO message_channels (app_id, channel, msg_id)
            SELECT m.app_id, c.channel, m.id
            FROM messages m CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH ',' FROM m.channels), ',')) AS c(channel)
            WHERE m.channels IS NOT NULL AND c.channel <> ''
            ON CONFLICT DO NOTHING;
            """),
        ("0007_tags", """
            -- Svix message tags: messages.tags is the value read back (',a,b,' like channels), and
            -- message_tags holds one row per tag so that a tag filter walks that tag's own messages in
            -- order (the message_channels pattern) instead of matching every message.
            ALTER TABLE messages ADD COLUMN tags text COLLATE "C";
            CREATE TABLE message_tags (
                app_id text COLLATE "C" NOT NULL, tag text COLLATE "C" NOT NULL, msg_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (app_id, tag, msg_id));
            """),
        ("0008_retention", """
            -- Endpoint stats read this rollup instead of counting an endpoint's whole history: finished
            -- deliveries (succeeded, failed) per endpoint and per hour of their message's creation (the
            -- hour of the message id's time, so a window of whole hours is a range here). The store keeps it
            -- in the same transaction as every change of a delivery into or out of a finished state
            -- (completion, resend, recover, retention purge). Pending and sending deliveries are few and
            -- counted live. Filled here from the deliveries already finished.
            CREATE TABLE delivery_rollups (
                endpoint_id text COLLATE "C" NOT NULL, hour bigint NOT NULL, app_id text COLLATE "C" NOT NULL,
                succeeded bigint NOT NULL, failed bigint NOT NULL,
                PRIMARY KEY (endpoint_id, hour));
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
            ALTER TABLE source_tokens ADD COLUMN sealed text;
            -- The Data Protection key ring every node shares (PostgresXmlRepository): one XML element per key.
            CREATE TABLE data_protection_keys (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, friendly_name text NOT NULL, xml text NOT NULL);
            """),
        ("0010_engine_ownership", """
            -- The engine's second design: a node owns whole endpoints for a lease it renews by heartbeat,
            -- and only the owner sends to them. engine_nodes counts the live nodes, so that each takes its share.
            CREATE TABLE endpoint_owners (endpoint_id text COLLATE "C" PRIMARY KEY, node_id text COLLATE "C" NOT NULL, expires_at bigint NOT NULL);
            CREATE INDEX ix_endpoint_owners_node ON endpoint_owners (node_id);
            CREATE TABLE engine_nodes (node_id text COLLATE "C" PRIMARY KEY, expires_at bigint NOT NULL);
            """),
    ];
}
