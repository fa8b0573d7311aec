using System.Data.Common;
using System.Text.Json;

namespace Hookline.Core.Storage.Sql;

/// <summary>Small ADO.NET helpers shared by the SQL stores. Times are Unix milliseconds, booleans 0/1, lists and maps JSON text.</summary>
internal static class SqlCommands
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        if (StatementCache.TryGet(connection, out var cache))
        {
            // Already compiled when this text ran before on this connection; it keeps its parameter
            // objects, which take the new values (see Bind).
            var kept = cache.Rent(connection, transaction, sql);
            kept.Bind(parameters);
            return kept;
        }
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.AddParameter(name, value);
        }
        return command;
    }

    public static void AddParameter(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = ToDbValue(value);
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// Sets a reused command's parameters for its next execution. When the names are the ones it
    /// already has (the usual case: one statement run for many rows), the existing parameter objects
    /// take the new values: replacing them (Clear + Add) on a command Npgsql has prepared
    /// automatically makes it run with the values bound before (seen with Npgsql 10.0.3).
    /// </summary>
    public static void Bind(this DbCommand command, IReadOnlyList<(string Name, object? Value)> parameters)
    {
        var same = command.Parameters.Count == parameters.Count;
        for (var i = 0; same && i < parameters.Count; i++)
        {
            same = string.Equals(command.Parameters[i].ParameterName, parameters[i].Name, StringComparison.Ordinal);
        }
        if (same)
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                command.Parameters[i].Value = ToDbValue(parameters[i].Value);
            }
            return;
        }
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.AddParameter(name, value);
        }
    }

    private static object ToDbValue(object? value) => value switch
    {
        null => DBNull.Value,
        bool b => b ? 1L : 0L,
        int i => (long)i,
        DateTimeOffset t => t.ToUnixTimeMilliseconds(),
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture),
        _ => value,
    };

    /// <summary>
    /// Runs statements whose results nobody reads, in order: as one <see cref="DbBatch"/> (one round
    /// trip to a database server) where the provider batches, otherwise one after another, each
    /// distinct statement prepared once.
    /// </summary>
    /// <remarks>
    /// Without <paramref name="transaction"/> only a provider that batches may be used: the batch is
    /// then the server's one implicit transaction, all or nothing.
    /// </remarks>
    public static async Task ExecuteAllAsync(this DbConnection connection, DbTransaction? transaction, IReadOnlyList<(string Sql, (string Name, object? Value)[] Parameters)> statements, CancellationToken cancellationToken)
    {
        if (statements.Count == 0)
        {
            return;
        }
        if (transaction is null && !connection.CanCreateBatch)
        {
            throw new InvalidOperationException("Statements run without a transaction only as one batch, and this provider does not batch.");
        }
        if (connection.CanCreateBatch)
        {
            await using var batch = Batch(connection, transaction, statements);
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        var commands = new Dictionary<string, DbCommand>(StringComparer.Ordinal);
        try
        {
            foreach (var (sql, parameters) in statements)
            {
                if (!commands.TryGetValue(sql, out var command))
                {
                    commands[sql] = command = connection.Command(transaction, sql);
                }
                command.Bind(parameters);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            foreach (var command in commands.Values)
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="statements"/>, whose results nobody reads, and then <paramref name="query"/>,
    /// whose rows are read, as one <see cref="DbBatch"/>: one round trip to the server. Without
    /// <paramref name="transaction"/> the batch is the server's one implicit transaction.
    /// </summary>
    public static async Task<List<T>> ExecuteAllThenQueryAsync<T>(this DbConnection connection, DbTransaction? transaction,
        IReadOnlyList<(string Sql, (string Name, object? Value)[] Parameters)> statements, (string Sql, (string Name, object? Value)[] Parameters) query,
        Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        if (!connection.CanCreateBatch)
        {
            throw new InvalidOperationException("This provider does not batch.");
        }
        await using var batch = Batch(connection, transaction, [.. statements, query]);
        var rows = new List<T>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // Only the query returns rows; the statements before it have no columns.
        do
        {
            while (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken))
            {
                rows.Add(map(reader));
            }
        }
        while (await reader.NextResultAsync(cancellationToken));
        return rows;
    }

    /// <summary>One <see cref="DbBatch"/> of <paramref name="statements"/>, in order, on a provider that batches.</summary>
    private static DbBatch Batch(DbConnection connection, DbTransaction? transaction, IEnumerable<(string Sql, (string Name, object? Value)[] Parameters)> statements)
    {
        var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (sql, parameters) in statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = ToDbValue(value);
                command.Parameters.Add(parameter);
            }
            batch.BatchCommands.Add(command);
        }
        return batch;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(this DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    public static async Task<List<T>> QueryAsync<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    public static async Task<T?> QuerySingleAsync<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string, object?)[] parameters)
        where T : class
    {
        await using var command = connection.Command(transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : null;
    }

    public static string? Text(this DbDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : reader.GetString(i);
    }

    public static long Long(this DbDataReader reader, string column) => Convert.ToInt64(reader.GetValue(reader.GetOrdinal(column)), System.Globalization.CultureInfo.InvariantCulture);

    public static long? NullableLong(this DbDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int? NullableInt(this DbDataReader reader, string column) => (int?)reader.NullableLong(column);

    public static bool Bool(this DbDataReader reader, string column) => reader.Long(column) != 0;

    public static DateTimeOffset Time(this DbDataReader reader, string column) => DateTimeOffset.FromUnixTimeMilliseconds(reader.Long(column));

    public static DateTimeOffset? NullableTime(this DbDataReader reader, string column) =>
        reader.NullableLong(column) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public static byte[]? Bytes(this DbDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : (byte[])reader.GetValue(i);
    }

    public static bool HasColumn(this DbDataReader reader, string column)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (string.Equals(reader.GetName(i), column, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value);

    public static string? ToJsonOrNull<T>(IReadOnlyCollection<T>? values) => values is { Count: > 0 } ? JsonSerializer.Serialize(values) : null;

    public static IReadOnlyList<string>? StringList(this DbDataReader reader, string column) =>
        reader.Text(column) is { } json ? JsonSerializer.Deserialize<string[]>(json) : null;

    public static IReadOnlyDictionary<string, string> StringMap(this DbDataReader reader, string column) =>
        reader.Text(column) is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : new Dictionary<string, string>();

    /// <summary>Channels are stored as <c>,a,b,</c> so one LIKE finds a channel without a JSON function.</summary>
    public static string? ChannelsColumn(IReadOnlyList<string>? channels) =>
        channels is { Count: > 0 } ? "," + string.Join(',', channels) + "," : null;

    public static IReadOnlyList<string>? ChannelsFromColumn(string? stored) =>
        string.IsNullOrEmpty(stored) ? null : stored.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A LIKE pattern matching one channel in a <see cref="ChannelsColumn"/> value; use with <c>ESCAPE '\'</c>.</summary>
    public static string ChannelPattern(string channel) => "%," + EscapeLike(channel) + ",%";

    /// <summary>A LIKE pattern matching text that contains <paramref name="text"/>; use with <c>ESCAPE '\'</c>.</summary>
    public static string ContainsPattern(string text) => "%" + EscapeLike(text) + "%";

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
