using System.Data.Common;
using Hookline.Core.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Hookline.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Reads run on pooled connections in parallel;
/// writes go one at a time through an in-process lock (SQLite has one writer anyway, and waiting on
/// a lock is cheaper than spinning on SQLITE_BUSY). <c>synchronous=FULL</c>: a committed write
/// survives a power cut, not just a process crash — callers batch (group commit) to keep that cheap.
/// </summary>
public sealed class SqliteHooklineStore : SqlHooklineStore, IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

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

    public override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // WAL is a property of the file; set once, it stays.
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            // BEGIN IMMEDIATE takes the file's write lock: two processes migrating at once take turns.
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)", cancellationToken);
            await using var current = connection.CreateCommand();
            current.Transaction = transaction;
            current.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
            var version = Convert.ToInt32(await current.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            foreach (var (step, sql) in SqliteMigrations.Steps)
            {
                if (step <= version)
                {
                    continue;
                }
                await ExecuteAsync(connection, transaction, sql, cancellationToken);
                await ExecuteAsync(connection, transaction, $"INSERT INTO schema_migrations (version, applied_at) VALUES ({step}, {Time.GetUtcNow().ToUnixTimeMilliseconds()})", cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        // Pooled connections would keep the file open (and its WAL) after the store is gone.
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }
        _writeLock.Dispose();
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    protected override async Task<WriteTransaction> BeginWriteAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        SqliteConnection? connection = null;
        try
        {
            connection = await OpenAsync(cancellationToken);
            // Microsoft.Data.Sqlite begins IMMEDIATE unless asked for deferred: the write lock is taken
            // up front, so a transaction never fails half-way on a lock upgrade.
            var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            return new WriteTransaction(connection, transaction, () =>
            {
                _writeLock.Release();
                return ValueTask.CompletedTask;
            });
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            _writeLock.Release();
            throw;
        }
    }

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19 }; // SQLITE_CONSTRAINT

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = OFF;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
