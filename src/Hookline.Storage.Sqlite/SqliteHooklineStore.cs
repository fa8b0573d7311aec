using System.Buffers;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Hookline.Core.Diagnostics;
using Hookline.Core.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Hookline.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Reads run on pooled connections in parallel;
/// writes go one at a time through an in-process lock (SQLite has one writer anyway, and waiting on
/// a lock is cheaper than spinning on SQLITE_BUSY). Durable like <c>synchronous=FULL</c>: a committed write
/// survives a power cut, not just a process crash — callers batch (group commit) to keep that cheap.
/// </summary>
public sealed class SqliteHooklineStore : SqlHooklineStore, IDisposable
{
    private readonly string _connectionString;
    private static readonly object Configured = new();

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>
    /// How long the write lock was held, by the write's durability. Its rate is the share of time the
    /// single writer was busy: near 1 (one second a second), every write waits its turn and SQLite's
    /// writer is what limits the node (docs/operations.md).
    /// </summary>
    private static readonly Counter<double> WriteLockHeld = new Meter(HooklineTelemetry.Name, HooklineTelemetry.Version)
        .CreateCounter<double>("hookline.sqlite.write_lock.held", "s",
            "Time the SQLite store's single writer was held, by durability: durable (accepted messages, the API's writes) or relaxed (the delivery engine's leases and outcomes).");

    private static readonly KeyValuePair<string, object?> DurableTag = new("durability", "durable");
    private static readonly KeyValuePair<string, object?> RelaxedTag = new("durability", "relaxed");
    private long _heldSince;
    private KeyValuePair<string, object?> _heldFor;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _wal;
    private SqliteConnection? _walKeeper;
    private SqliteConnection? _writer;
    private readonly Lock _walLock = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = [];

    public SqliteHooklineStore(string connectionString, TimeProvider time)
        : base(time)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>A store on <c>hookline.db</c> in <paramref name="dataDirectory"/>, created if missing.</summary>
    public static SqliteHooklineStore ForDirectory(string dataDirectory, TimeProvider time)
    {
        Directory.CreateDirectory(dataDirectory);
        return new SqliteHooklineStore($"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), "hookline.db")}", time);
    }

    /// <summary>
    /// The steps of <see cref="SqliteMigrations"/>, applied by the shared runner in one write
    /// transaction. No lock statement: the write transaction holds this process's write lock and
    /// begins IMMEDIATE, taking the file's write lock, so two processes migrating at once take turns.
    /// </summary>
    private static readonly SqlMigrationRunner MigrationRunner = new(
        SqliteMigrations.Steps,
        createHistoryTableSql: "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)");

    protected override SqlMigrationRunner Migrations => Schema;

    /// <summary>The schema <see cref="MigrateAsync"/> applies: the platform's, or the inbox's for <see cref="SqliteInboxStore"/>.</summary>
    internal SqlMigrationRunner Schema { get; init; } = MigrationRunner;

    // Without it SQLite may prefer ix_deliveries_endpoint and read every delivery the endpoint ever
    // had to count the few that are pending or sending.
    protected override string UnfinishedDeliveriesHint => " INDEXED BY ix_deliveries_open";

    // SQLite finds a named parameter by a linear scan of the statement's names, when parsing and again
    // when binding, so a statement with thousands of them (a claim of 2,000 ids, a rollup of 500
    // outcomes) spent most of its time in strncmp. These pass such lists as one JSON parameter.
    protected override string InList<T>(IReadOnlyList<T> values, string prefix, out (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(values);
        parameters = [(prefix, JsonArray(values.Count, (writer, i) => WriteJsonValue(writer, values[i])))];
        return $"SELECT value FROM json_each({prefix})";
    }

    protected override string RollupRowsSql(IReadOnlyList<RollupRow> rows, List<(string Name, object? Value)> parameters)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Add(("@rollup", JsonArray(rows.Count, (writer, i) =>
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(rows[i].Id);
            writer.WriteStringValue(rows[i].Token);
            writer.WriteNumberValue(rows[i].Hour);
            writer.WriteNumberValue(rows[i].Ok);
            writer.WriteEndArray();
        })));
        return "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(@rollup)";
    }

    private static string JsonArray(int count, Action<Utf8JsonWriter, int> writeItem)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            for (var i = 0; i < count; i++)
            {
                writeItem(writer, i);
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteJsonValue<T>(Utf8JsonWriter writer, T value)
    {
        switch (value)
        {
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            default:
                throw new ArgumentException($"A list of {typeof(T).Name} cannot be passed as JSON here.", nameof(value));
        }
    }

    public override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // WAL is a property of the file; set once, it stays. The journal mode cannot change inside a
        // transaction, so it is set before the runner's.
        await using (var connection = await OpenAsync(cancellationToken))
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }
        await base.MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// The clear values just sealed still sit in the write-ahead log's old frames and in the file's freed
    /// cells: VACUUM rewrites the file without them and the checkpoint empties the log. Runs only at a
    /// start that sealed rows (once, after upgrading), before the server takes requests.
    /// </summary>
    protected override async Task ForgetOverwrittenAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        if (_writer is { } writer)
        {
            ForgetStatements(writer);
            writer.Dispose();
        }
        _walKeeper?.Dispose();
        _wal?.Dispose();
        // Pooled connections would keep the file open (and its WAL) after the store is gone.
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }
        _writeLock.Dispose();
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    protected override async Task<WriteTransaction> BeginWriteAsync(WriteDurability durability, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        _heldSince = Stopwatch.GetTimestamp();
        _heldFor = durability == WriteDurability.Durable ? DurableTag : RelaxedTag;
        try
        {
            var connection = _writer ??= await OpenWriterAsync(cancellationToken);
            // Every commit runs with synchronous=NORMAL: in WAL mode that writes the WAL (a process
            // crash loses nothing) without waiting for the disk. Durable writes then fsync the WAL in
            // AfterCommitAsync, after the write lock is released, so the next writer (often the
            // dispatcher) does not queue behind a disk flush.
            // Microsoft.Data.Sqlite begins IMMEDIATE unless asked for deferred: the write lock is taken
            // up front, so a transaction never fails half-way on a lock upgrade.
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            return new WriteTransaction(connection, transaction, () =>
            {
                ReleaseWriter();
                return ValueTask.CompletedTask;
            }, ownsConnection: false);
        }
        catch
        {
            ReleaseWriter();
            throw;
        }
    }

    /// <summary>
    /// The one connection every write runs on, opened on first use and kept. SQLite drops a
    /// connection's page cache whenever another connection has written since its last transaction;
    /// writes spread over pooled connections therefore began cold and read their index pages back
    /// from the OS each time. One writer keeps them (and <see cref="WriterCacheKiB"/> of them).
    /// </summary>
    private async Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        // From the pool like any other, and kept until the store is disposed (which then clears the pool).
        var connection = await OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA cache_size = -{WriterCacheKiB}; PRAGMA wal_autocheckpoint = {WriterCheckpointPages};";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        KeepStatements(connection, WriterStatements);
        return connection;
    }

    /// <summary>
    /// Distinct statements the writer keeps compiled. Microsoft.Data.Sqlite compiles a statement per
    /// command object, so without this every write parsed and planned its SQL again; a profile of
    /// ingest with forwarding put that at about 40 % of the time spent in SQLite. The writes use a
    /// few dozen texts; past this many the one idle longest is finalized.
    /// </summary>
    private const int WriterStatements = 256;

    /// <summary>The writer's page cache: room for the hot pages of the delivery indexes under load.</summary>
    private const int WriterCacheKiB = 32 * 1024;

    /// <summary>
    /// WAL pages (16 MiB) after which a commit checkpoints, rather than SQLite's 1,000. A checkpoint
    /// runs inside a commit, under the write lock, and writes each page once however many commits
    /// changed it, so fewer of them copy and fsync less for the same deliveries.
    /// </summary>
    private const int WriterCheckpointPages = 4000;

    /// <summary>
    /// Ends a write: a writer connection that broke, or that is still inside a transaction because its
    /// rollback failed, is dropped (the next write opens another); then the lock is released.
    /// </summary>
    private void ReleaseWriter()
    {
        if (_writer is { } broken && (broken.State != System.Data.ConnectionState.Open || SQLitePCL.raw.sqlite3_get_autocommit(broken.Handle) == 0))
        {
            _writer = null;
            ForgetStatements(broken);
            broken.Dispose();
        }
        WriteLockHeld.Add(Stopwatch.GetElapsedTime(_heldSince).TotalSeconds, _heldFor);
        _writeLock.Release();
    }

    /// <summary>
    /// Makes a durable commit durable: fsync of the WAL file. fsync flushes the file, whichever
    /// descriptor wrote it, so this covers the commit just made (and any before it). If a checkpoint
    /// moved the frames into the database file meanwhile, that checkpoint synced the database file
    /// before the WAL could be reused, so the data is on disk either way — the same guarantee as
    /// synchronous=FULL, without holding the write lock during the flush.
    /// </summary>
    protected override ValueTask AfterCommitAsync(WriteDurability durability)
    {
        if (durability == WriteDurability.Durable)
        {
            RandomAccess.FlushToDisk(_wal ?? OpenWal());
        }
        return ValueTask.CompletedTask;
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenWal()
    {
        lock (_walLock)
        {
            if (_wal is null)
            {
                // SQLite deletes the WAL file when its last connection closes; one connection held open
                // for the store's lifetime keeps the file (and so the handle we flush) the live one.
                _walKeeper = new SqliteConnection(_connectionString);
                _walKeeper.Open();
                _wal = File.OpenHandle(DataSource + "-wal", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
            return _wal;
        }
    }

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19 }; // SQLITE_CONSTRAINT

    protected override bool IsStorageFull(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 13 }; // SQLITE_FULL: a write found no room on the disk

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Pooled connections keep their native handle and its settings: configure each handle once,
        // not on every open (preparing the pragmas was a visible share of a message's CPU cost).
        if (!_configured.TryGetValue(connection.Handle!, out _))
        {
            await using var pragma = connection.CreateCommand();
            // case_sensitive_like: SQLite's LIKE ignores ASCII case, PostgreSQL's does not; channel filters
            // (the only LIKE) must match names exactly, as Endpoint.Accepts does.
            pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = OFF; PRAGMA case_sensitive_like = ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            _configured.AddOrUpdate(connection.Handle!, Configured);
        }
        return connection;
    }
}
