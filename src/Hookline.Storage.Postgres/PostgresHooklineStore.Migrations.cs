using Hookline.Core.Storage.Sql;

namespace Hookline.Storage.Postgres;

public sealed partial class PostgresHooklineStore
{
    /// <summary>
    /// The steps of <see cref="PostgresMigrations"/>, applied by the shared runner in one transaction.
    /// Nodes starting together queue on a transaction-scoped advisory lock (keyed by the schema, so
    /// Hookline schemas side by side in one database do not wait for each other): the first applies
    /// the steps, the others then find them recorded and do nothing. A failing step rolls back whole.
    /// </summary>
    private static readonly SqlMigrationRunner MigrationRunner = new(
        PostgresMigrations.Steps,
        createHistoryTableSql: "CREATE TABLE IF NOT EXISTS schema_migrations (name text COLLATE \"C\" PRIMARY KEY, applied_at bigint NOT NULL)",
        lockSql: "SELECT pg_advisory_xact_lock(hashtextextended('hookline.migrations:' || COALESCE(current_schema(), ''), 0))");

    protected override SqlMigrationRunner Migrations => Schema;

    /// <summary>The schema <see cref="MigrateAsync"/> applies: the platform's, or the inbox's for <see cref="PostgresInboxStore"/>.</summary>
    internal SqlMigrationRunner Schema { get; init; } = MigrationRunner;
}
