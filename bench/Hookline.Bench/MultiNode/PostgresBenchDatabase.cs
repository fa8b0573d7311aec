using System.Globalization;
using Npgsql;

namespace Hookline.Bench.MultiNode;

/// <summary>
/// A fresh schema on a PostgreSQL server for one benchmark run (dropped afterwards), and the CPU time
/// that server's processes used: the postmaster (found as the parent of this connection's backend)
/// with its live children, plus the children that already exited (the kernel adds their time to the
/// postmaster's <c>cutime</c>/<c>cstime</c> when it reaps them). Everything the cluster does counts —
/// use a server of its own for the figure to mean Hookline alone.
/// </summary>
internal sealed class PostgresBenchDatabase : IAsyncDisposable
{
    private readonly string _server;
    private readonly int _postmaster;

    private PostgresBenchDatabase(string server, string schema, int postmaster)
    {
        _server = server;
        Schema = schema;
        _postmaster = postmaster;
    }

    public string Schema { get; }

    public static async Task<PostgresBenchDatabase> CreateAsync(string server)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        await using var pid = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = Convert.ToInt32(await pid.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        return new PostgresBenchDatabase(server, schema, ParentOf(backend) ?? 0);
    }

    /// <summary>The connection string for one node: this run's schema, and the node's name in pg_stat_activity.</summary>
    public string ConnectionStringFor(string node) =>
        new NpgsqlConnectionStringBuilder(_server) { SearchPath = Schema, ApplicationName = $"hookline-{node}" }.ConnectionString;

    /// <summary>CPU seconds (user + system) the server's processes used so far, or NaN when /proc does not show them.</summary>
    public double ClusterCpuSeconds()
    {
        if (_postmaster == 0 || Stat(_postmaster) is not { } postmaster)
        {
            return double.NaN;
        }
        long ticks = postmaster.Own + postmaster.ReapedChildren;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } child && child.Parent == _postmaster)
            {
                ticks += child.Own;
            }
        }
        return ticks / 100.0;
    }

    /// <summary>
    /// Statements the server has executed so far, from <c>pg_stat_statements</c> (every database and
    /// user: run on a server of its own), or null when the extension is not loaded
    /// (<c>shared_preload_libraries = 'pg_stat_statements'</c>; the extension is created here).
    /// </summary>
    public async Task<long?> StatementsExecutedAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(_server);
            await connection.OpenAsync();
            await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection))
            {
                await create.ExecuteNonQueryAsync();
            }
            await using var sum = new NpgsqlCommand("SELECT COALESCE(SUM(calls), 0)::bigint FROM pg_stat_statements", connection);
            return Convert.ToInt64(await sum.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        catch (PostgresException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static int? ParentOf(int pid) => Stat(pid)?.Parent;

    /// <summary>Fields of /proc/[pid]/stat after the command name: ppid is the 2nd, utime/stime the 12th/13th, cutime/cstime the 14th/15th.</summary>
    private static (int Parent, long Own, long ReapedChildren)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
            return ((int)Field(1), Field(11) + Field(12), Field(13) + Field(14));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
