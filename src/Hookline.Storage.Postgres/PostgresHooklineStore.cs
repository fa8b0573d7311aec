using System.Data;
using System.Data.Common;
using Hookline.Core.Storage.Sql;
using Npgsql;

namespace Hookline.Storage.Postgres;

/// <summary>
/// The multi-node store: any number of Hookline nodes share one PostgreSQL database. It runs the
/// portable SQL of <see cref="SqlHooklineStore"/> unchanged over Npgsql (pooled connections from one
/// <see cref="NpgsqlDataSource"/>, transactions at READ COMMITTED) and adds what parallel writers need:
/// claims lock the endpoint rows they book (<c>FOR UPDATE SKIP LOCKED</c>) so concurrency limits,
/// throttles and FIFO hold across nodes, delivery rows are claimed with <c>SKIP LOCKED</c>, and
/// migrations serialise on an advisory lock.
/// </summary>
public sealed partial class PostgresHooklineStore : SqlHooklineStore, IAsyncDisposable, IDisposable
{
    private readonly bool _ownsDataSource;

    /// <summary>A store over its own pooled data source built from <paramref name="connectionString"/>.</summary>
    public PostgresHooklineStore(string connectionString, TimeProvider time)
        : this(CreateDataSource(connectionString), time, ownsDataSource: true)
    {
    }

    /// <summary>A store over a data source the caller owns (and disposes).</summary>
    public PostgresHooklineStore(NpgsqlDataSource dataSource, TimeProvider time)
        : this(dataSource, time, ownsDataSource: false)
    {
    }

    private PostgresHooklineStore(NpgsqlDataSource dataSource, TimeProvider time, bool ownsDataSource)
        : base(time)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        DataSource = dataSource;
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>The pooled data source every query of this store goes through.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Delivery rows another claimer holds are skipped, never waited for.</summary>
    protected override string SkipLockedClause => " FOR UPDATE SKIP LOCKED";

    protected override bool WritesInWith => true;

    protected override string LockRowsClause(string tableAlias) => $" FOR UPDATE OF {tableAlias}";

    /// <summary>Statements each connection keeps prepared, unless the connection string says otherwise.</summary>
    public const int DefaultMaxAutoPrepare = 100;

    /// <summary>
    /// A data source with Hookline's defaults, each unless the connection string sets it: an
    /// application name for <c>pg_stat_activity</c>, and automatic statement preparation
    /// (<c>Max Auto Prepare=100;Auto Prepare Min Usages=2</c>). Hookline runs the same few
    /// statements all the time; planning them anew each time was about 40 % of PostgreSQL's
    /// statement time in the delivery benchmark, and preparing them cut PostgreSQL's CPU per
    /// delivery by about a third (docs/benchmarks.md). Behind a pooler in transaction mode that does
    /// not track prepared statements (PgBouncer before 1.21), set <c>Max Auto Prepare=0</c>.
    /// And <c>No Reset On Close=true</c>: a connection goes back to the pool without the seven
    /// statements of Npgsql's session reset (with prepared statements kept, the reset is
    /// <c>DISCARD ALL</c> less its <c>DEALLOCATE</c>), which PostgreSQL otherwise parses and runs on
    /// every next use: 16,000 resets, 114,000 statements, in one two-node benchmark run. Hookline
    /// leaves no session state behind: settings are local to a transaction (<c>SET LOCAL</c>, or
    /// <c>set_config(…, true)</c> in a batch without one), advisory locks are transaction
    /// locks, and the two listening connections <c>UNLISTEN</c> before they go back.
    /// Pool size, timeouts and TLS come from the connection string.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "hookline";
        }
        var given = KeywordsGiven(connectionString);
        if (!given.Contains("noresetonclose"))
        {
            settings.NoResetOnClose = true;
        }
        if (!given.Contains("maxautoprepare"))
        {
            settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
            if (!given.Contains("autoprepareminusages"))
            {
                settings.AutoPrepareMinUsages = 2;
            }
        }
        return builder.Build();
    }

    /// <summary>The keywords the connection string itself sets (lower case, without spaces), as opposed to those left at Npgsql's defaults.</summary>
    private static HashSet<string> KeywordsGiven(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync();
        }
    }

    public void Dispose()
    {
        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<WriteTransaction> BeginWriteAsync(WriteDurability durability, CancellationToken cancellationToken)
    {
        var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            // READ COMMITTED: every statement sees what committed before it started. Claims rely on
            // that — they count in-flight deliveries in a statement that runs after the endpoint locks
            // are held, so the count includes every claim that committed while they waited.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            if (durability == WriteDurability.Relaxed)
            {
                // The commit returns before its WAL record is flushed; a crash of the database server
                // may lose the last moments of leases and outcomes, which only means a resend.
                await using var relaxed = new NpgsqlCommand("SET LOCAL synchronous_commit = off", connection, transaction);
                await relaxed.ExecuteNonQueryAsync(cancellationToken);
            }
            return new WriteTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>
    /// 53100 disk_full only. 53200 out_of_memory is not a full disk: it stays a transient database
    /// failure (Npgsql marks the 53 class transient), answered as the database being briefly unavailable.
    /// </summary>
    protected override bool IsStorageFull(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DiskFull };
}
