using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Hookline.Bench.Lists;

/// <summary>Row counts of the tables the list queries read.</summary>
internal sealed record HistoryCounts(long Messages, long Deliveries, long Attempts, long Bytes);

/// <summary>
/// Writes a generated history straight into the tables the server created (its migrations ran
/// first), bypassing the API: a million attempts through the real delivery path would take hours.
/// </summary>
internal interface IHistoryWriter : IAsyncDisposable
{
    /// <summary>The rollup (schema step 0008_retention) rebuilt from the rows, as that step fills it.</summary>
    const string RebuildRollup =
        "DELETE FROM delivery_rollups; " +
        "INSERT INTO delivery_rollups (endpoint_id, hour, app_id, succeeded, failed) " +
        "SELECT d.endpoint_id, m.created_at - m.created_at % 3600000, MIN(d.app_id), " +
        "SUM(CASE WHEN d.status = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN d.status = 2 THEN 1 ELSE 0 END) " +
        "FROM deliveries d JOIN messages m ON m.id = d.msg_id WHERE d.status IN (0, 2) " +
        "GROUP BY d.endpoint_id, m.created_at - m.created_at % 3600000";

    Task WriteAsync(string appId, IEnumerable<SeedMessage> messages);

    /// <summary>
    /// What a store that grew over weeks would have had done by now: the endpoint stats rollup that the
    /// server keeps as deliveries finish (written here in one statement, since the rows bypassed it),
    /// and on PostgreSQL autovacuum.
    /// </summary>
    Task SettleAsync();

    Task<HistoryCounts> CountAsync();
}

/// <summary>PostgreSQL: binary <c>COPY</c> per table, a chunk of messages at a time.</summary>
internal sealed class PostgresHistoryWriter(string connectionString) : IHistoryWriter
{
    private const int Chunk = 20_000;

    public async Task WriteAsync(string appId, IEnumerable<SeedMessage> messages)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var chunk in messages.Chunk(Chunk))
        {
            var expires = DateTimeOffset.UtcNow.AddDays(90).ToUnixTimeMilliseconds();
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY messages (id, app_id, event_type, channels, payload, created_at, payload_expires_at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var m in chunk)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(m.Id, NpgsqlDbType.Text);
                    await copy.WriteAsync(appId, NpgsqlDbType.Text);
                    await copy.WriteAsync(m.EventType, NpgsqlDbType.Text);
                    await copy.WriteAsync(m.Channels, NpgsqlDbType.Text);
                    await copy.WriteAsync(m.Payload, NpgsqlDbType.Bytea);
                    await copy.WriteAsync(m.CreatedAt, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(expires, NpgsqlDbType.Bigint);
                }
                await copy.CompleteAsync();
            }
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY message_channels (app_id, channel, msg_id) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var m in chunk)
                {
                    foreach (var channel in SeedMessage.ChannelList(m.Channels))
                    {
                        await copy.StartRowAsync();
                        await copy.WriteAsync(appId, NpgsqlDbType.Text);
                        await copy.WriteAsync(channel, NpgsqlDbType.Text);
                        await copy.WriteAsync(m.Id, NpgsqlDbType.Text);
                    }
                }
                await copy.CompleteAsync();
            }
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY deliveries (msg_id, endpoint_id, app_id, status, attempt_count, last_attempt_at, trigger_type, created_at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var m in chunk)
                {
                    foreach (var d in m.Deliveries)
                    {
                        await copy.StartRowAsync();
                        await copy.WriteAsync(m.Id, NpgsqlDbType.Text);
                        await copy.WriteAsync(d.EndpointId, NpgsqlDbType.Text);
                        await copy.WriteAsync(appId, NpgsqlDbType.Text);
                        await copy.WriteAsync(d.Status, NpgsqlDbType.Integer);
                        await copy.WriteAsync(d.Attempts.Count, NpgsqlDbType.Integer);
                        await copy.WriteAsync(d.LastAttemptAt, NpgsqlDbType.Bigint);
                        await copy.WriteAsync(0, NpgsqlDbType.Integer);
                        await copy.WriteAsync(m.CreatedAt, NpgsqlDbType.Bigint);
                    }
                }
                await copy.CompleteAsync();
            }
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY attempts (id, msg_id, endpoint_id, app_id, url, status, response_status_code, response, response_duration_ms, timestamp, trigger_type, error) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var m in chunk)
                {
                    foreach (var d in m.Deliveries)
                    {
                        foreach (var a in d.Attempts)
                        {
                            await copy.StartRowAsync();
                            await copy.WriteAsync(a.Id, NpgsqlDbType.Text);
                            await copy.WriteAsync(m.Id, NpgsqlDbType.Text);
                            await copy.WriteAsync(d.EndpointId, NpgsqlDbType.Text);
                            await copy.WriteAsync(appId, NpgsqlDbType.Text);
                            await copy.WriteAsync(d.Url, NpgsqlDbType.Text);
                            await copy.WriteAsync(a.Status, NpgsqlDbType.Integer);
                            await copy.WriteAsync(a.ResponseStatusCode, NpgsqlDbType.Integer);
                            await copy.WriteAsync(a.Response, NpgsqlDbType.Text);
                            await copy.WriteAsync(a.DurationMs, NpgsqlDbType.Integer);
                            await copy.WriteAsync(a.Timestamp, NpgsqlDbType.Bigint);
                            await copy.WriteAsync(0, NpgsqlDbType.Integer);
                            if (a.Error is null)
                            {
                                await copy.WriteNullAsync();
                            }
                            else
                            {
                                await copy.WriteAsync(a.Error, NpgsqlDbType.Text);
                            }
                        }
                    }
                }
                await copy.CompleteAsync();
            }
        }
    }

    /// <summary>
    /// <c>VACUUM ANALYZE</c>: autovacuum does the same after a bulk insert, minutes later. Without it the
    /// planner works from empty-table estimates and every index-only scan visits the heap, which is
    /// the state of a table just loaded, not of one that grew.
    /// </summary>
    public async Task SettleAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var rollup = new NpgsqlCommand(IHistoryWriter.RebuildRollup, connection) { CommandTimeout = 0 })
        {
            await rollup.ExecuteNonQueryAsync();
        }
        await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) messages, deliveries, attempts, delivery_rollups", connection) { CommandTimeout = 0 };
        await vacuum.ExecuteNonQueryAsync();
    }

    public async Task<HistoryCounts> CountAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM deliveries), (SELECT COUNT(*) FROM attempts), " +
            "pg_total_relation_size('messages') + pg_total_relation_size('deliveries') + pg_total_relation_size('attempts')", connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new HistoryCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// SQLite: prepared inserts, one transaction per chunk of messages. Not one transaction for all:
/// the server runs beside it and its writers wait at most <c>busy_timeout</c> (30 s) for the lock.
/// </summary>
internal sealed class SqliteHistoryWriter : IHistoryWriter
{
    private const int Chunk = 20_000;
    private readonly SqliteConnection _connection;

    public SqliteHistoryWriter(string path) =>
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);

    public async Task WriteAsync(string appId, IEnumerable<SeedMessage> messages)
    {
        await OpenAsync();
        var expires = DateTimeOffset.UtcNow.AddDays(90).ToUnixTimeMilliseconds();
        foreach (var chunk in messages.Chunk(Chunk))
        {
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync();
            await using var message = Command(transaction,
                "INSERT INTO messages (id, app_id, event_type, channels, payload, created_at, payload_expires_at) VALUES ($id, $app, $type, $channels, $payload, $created, $expires)",
                "$id", "$app", "$type", "$channels", "$payload", "$created", "$expires");
            await using var channels = Command(transaction,
                "INSERT INTO message_channels (app_id, channel, msg_id) VALUES ($app, $channel, $msg)", "$app", "$channel", "$msg");
            await using var delivery = Command(transaction,
                "INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, attempt_count, last_attempt_at, trigger_type, created_at) VALUES ($msg, $endpoint, $app, $status, $count, $last, 0, $created)",
                "$msg", "$endpoint", "$app", "$status", "$count", "$last", "$created");
            await using var attempt = Command(transaction,
                "INSERT INTO attempts (id, msg_id, endpoint_id, app_id, url, status, response_status_code, response, response_duration_ms, timestamp, trigger_type, error) " +
                "VALUES ($id, $msg, $endpoint, $app, $url, $status, $code, $response, $duration, $timestamp, 0, $error)",
                "$id", "$msg", "$endpoint", "$app", "$url", "$status", "$code", "$response", "$duration", "$timestamp", "$error");
            foreach (var m in chunk)
            {
                await Run(message, m.Id, appId, m.EventType, m.Channels, m.Payload, m.CreatedAt, expires);
                foreach (var channel in SeedMessage.ChannelList(m.Channels))
                {
                    await Run(channels, appId, channel, m.Id);
                }
                foreach (var d in m.Deliveries)
                {
                    await Run(delivery, m.Id, d.EndpointId, appId, d.Status, d.Attempts.Count, d.LastAttemptAt, m.CreatedAt);
                    foreach (var a in d.Attempts)
                    {
                        await Run(attempt, a.Id, m.Id, d.EndpointId, appId, d.Url, a.Status, a.ResponseStatusCode, a.Response, a.DurationMs, a.Timestamp, a.Error);
                    }
                }
            }
            await transaction.CommitAsync();
        }
    }

    /// <summary>The rollup only: Hookline does not run <c>ANALYZE</c> on SQLite, so neither does the benchmark.</summary>
    public async Task SettleAsync()
    {
        await OpenAsync();
        await using var rollup = _connection.CreateCommand();
        rollup.CommandText = IHistoryWriter.RebuildRollup;
        rollup.CommandTimeout = 0;
        await rollup.ExecuteNonQueryAsync();
    }

    public async Task<HistoryCounts> CountAsync()
    {
        await OpenAsync();
        await using var count = _connection.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM deliveries), (SELECT COUNT(*) FROM attempts), " +
            "(SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size())";
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new HistoryCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private async Task OpenAsync()
    {
        if (_connection.State == System.Data.ConnectionState.Open)
        {
            return;
        }
        await _connection.OpenAsync();
        await using var pragma = _connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
        await pragma.ExecuteNonQueryAsync();
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql, params string[] names)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        command.Prepare();
        return command;
    }

    private static async Task Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        await command.ExecuteNonQueryAsync();
    }
}
