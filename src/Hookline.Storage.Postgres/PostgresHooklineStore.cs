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

    /// <summary>
    /// Connections for relaxed writes (the engine's leases and outcomes), whose sessions have
    /// <c>synchronous_commit = off</c> from the start, so a relaxed transaction needs no
    /// <c>SET LOCAL</c> round trip of its own; null for a store over a caller's data source.
    /// </summary>
    private readonly NpgsqlDataSource? _relaxedSource;

    /// <summary>Set once the server (or a pooler in front of it) refused the relaxed connections' startup setting: relaxed writes then use <c>SET LOCAL</c>.</summary>
    private volatile bool _relaxedSourceRefused;

    /// <summary>A store over its own pooled data sources built from <paramref name="connectionString"/>.</summary>
    public PostgresHooklineStore(string connectionString, TimeProvider time)
        : this(connectionString, time, RelaxedSessionOptions)
    {
    }

    /// <summary>With the relaxed connections' startup options given (a test's, to see the fallback).</summary>
    internal PostgresHooklineStore(string connectionString, TimeProvider time, string relaxedSessionOptions)
        : this(CreateDataSource(connectionString), time, ownsDataSource: true)
    {
        _relaxedSource = CreateDataSource(connectionString, relaxedSessionOptions);
    }

    /// <summary>What the relaxed connections add to the connection string's <c>Options</c>.</summary>
    internal const string RelaxedSessionOptions = "-c synchronous_commit=off";

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
    /// leaves no session state behind: settings are <c>SET LOCAL</c>, advisory locks are transaction
    /// locks, and the two listening connections <c>UNLISTEN</c> before they go back.
    /// Pool size, timeouts and TLS come from the connection string.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString) => CreateDataSource(connectionString, sessionOptions: null);

    /// <summary>As <see cref="CreateDataSource(string)"/>, with <paramref name="sessionOptions"/> (<c>-c name=value</c>) added to the connection string's <c>Options</c>.</summary>
    private static NpgsqlDataSource CreateDataSource(string connectionString, string? sessionOptions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (sessionOptions is not null)
        {
            settings.Options = string.IsNullOrWhiteSpace(settings.Options) ? sessionOptions : settings.Options + " " + sessionOptions;
        }
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
        if (_relaxedSource is not null)
        {
            await _relaxedSource.DisposeAsync();
        }
    }

    public void Dispose()
    {
        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }
        _relaxedSource?.Dispose();
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<WriteTransaction> BeginWriteAsync(WriteDurability durability, CancellationToken cancellationToken)
    {
        if (durability == WriteDurability.Relaxed && await OpenRelaxedAsync(cancellationToken) is { } relaxedConnection)
        {
            // Its session already commits without waiting for the WAL flush: BEGIN goes out with
            // the transaction's first statement, so nothing is sent here.
            return await BeginAsync(relaxedConnection, setRelaxed: false, cancellationToken);
        }
        return await BeginAsync(await DataSource.OpenConnectionAsync(cancellationToken), durability == WriteDurability.Relaxed, cancellationToken);
    }

    /// <summary>
    /// A connection of the relaxed pool, or null to use the main pool with <c>SET LOCAL</c>: when
    /// the store has no relaxed pool, or opening one of its connections failed with an error from
    /// the server. When that error refuses the startup setting itself (a pooler that does not pass
    /// <c>options</c> on, such as PgBouncer without <c>ignore_startup_parameters = options</c>), the
    /// relaxed pool is not tried again.
    /// </summary>
    private async Task<NpgsqlConnection?> OpenRelaxedAsync(CancellationToken cancellationToken)
    {
        if (_relaxedSource is null || _relaxedSourceRefused)
        {
            return null;
        }
        try
        {
            return await _relaxedSource.OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException refused)
        {
            if (refused.SqlState is PostgresErrorCodes.ProtocolViolation or PostgresErrorCodes.InvalidParameterValue
                or PostgresErrorCodes.UndefinedObject or PostgresErrorCodes.CantChangeRuntimeParam or PostgresErrorCodes.InsufficientPrivilege)
            {
                _relaxedSourceRefused = true;
            }
            return null;
        }
    }

    /// <summary>Whether relaxed writes go through the relaxed pool (false once its startup setting was refused).</summary>
    internal bool RelaxedPoolInUse => _relaxedSource is not null && !_relaxedSourceRefused;

    /// <summary>For tests: <c>synchronous_commit</c> as a write transaction of this kind sees it, and its server process.</summary>
    internal Task<(string Setting, int BackendPid)> WriteSettingAsync(bool relaxed, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            await using var show = new NpgsqlCommand("SELECT current_setting('synchronous_commit'), pg_backend_pid()", (NpgsqlConnection)c, (NpgsqlTransaction)t);
            await using var reader = await show.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return (reader.GetString(0), reader.GetInt32(1));
        }, relaxed ? WriteDurability.Relaxed : WriteDurability.Durable, cancellationToken);

    private static async Task<WriteTransaction> BeginAsync(NpgsqlConnection connection, bool setRelaxed, CancellationToken cancellationToken)
    {
        try
        {
            // READ COMMITTED: every statement sees what committed before it started. Claims rely on
            // that — they count in-flight deliveries in a statement that runs after the endpoint locks
            // are held, so the count includes every claim that committed while they waited.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            if (setRelaxed)
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
