using Npgsql;
using Xunit;

namespace Hookline.Testing;

/// <summary>
/// A schema of its own in the test server's database for one test: created on first use, reached
/// through <c>Search Path</c>, dropped with everything in it on dispose. The server comes from
/// <c>HOOKLINE_TEST_POSTGRES</c> (<c>scripts/test.sh</c> starts one and exports it). Without it the
/// test is skipped (with <c>SkippableFact</c>) — or fails under <c>CI=true</c>, where a missing server
/// must never look like a pass. Used by every test project that needs PostgreSQL.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Variable = "HOOKLINE_TEST_POSTGRES";

    private bool _created;

    public PostgresTestDatabase()
    {
        Schema = "t_" + Guid.NewGuid().ToString("N");
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString)
        {
            SearchPath = Schema,
            // Lets a test find (and cut) this test's own connections in pg_stat_activity.
            ApplicationName = "hookline-test-" + Schema,
            IncludeErrorDetail = true,
        };
        ConnectionString = builder.ConnectionString;
    }

    public string Schema { get; }

    /// <summary>The server's connection string with this test's schema as the search path.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// <see cref="ConnectionString"/> for one "node" of a multi-node test: its connections carry the
    /// node's name, so <see cref="TerminateConnectionsAsync"/> can cut that node alone.
    /// </summary>
    public string ConnectionStringFor(string node) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = $"hookline-test-{Schema}-{node}" }.ConnectionString;

    /// <summary>The server's connection string, or a skip (a failure under <c>CI=true</c>) when there is none.</summary>
    public static string ServerConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"{Variable} is not set. Under CI=true the PostgreSQL tests need a server: run scripts/test.sh, which starts one and exports {Variable}.");
            }
            throw new SkipException($"{Variable} is not set: PostgreSQL tests skipped (scripts/test.sh starts a server and sets it).");
        }
    }

    public async Task EnsureCreatedAsync()
    {
        if (_created)
        {
            return;
        }
        await ExecuteOnServerAsync($"CREATE SCHEMA {Schema}");
        _created = true;
    }

    /// <summary>Runs SQL on the server outside this test's schema (administration, fault injection).</summary>
    public static async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query in this test's schema and returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Ends the server connections of this test, or of one of its nodes (as if the network or the server dropped them).</summary>
    public Task TerminateConnectionsAsync(string? node = null) =>
        ExecuteOnServerAsync(node is null
            ? $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'hookline-test-{Schema}%'"
            : $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hookline-test-{Schema}-{node}'");

    public async ValueTask DisposeAsync()
    {
        if (_created)
        {
            using (var pooled = new NpgsqlConnection(ConnectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }
            // This schema's idle pooled connections are closed above; anything left over (a store's
            // own data source, another process) is cut so the schema can go.
            await TerminateConnectionsAsync();
            await ExecuteOnServerAsync($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
        }
    }
}
