using System.Globalization;
using System.Text;
using Hookline.Bench.Common;
using Hookline.Bench.MultiNode;
using Hookline.Testing;
using Npgsql;

namespace Hookline.Bench.Delivery;

/// <summary>
/// <c>--diagnose DIR</c>: what a delivery run writes to find a stall or a slow run after the fact.
/// While the burst is delivered it watches the receiver: when nothing arrived for 3 s, it writes the
/// database's queue (rows not yet delivered, by endpoint, status and kind of lease, with their due
/// times), the endpoints' owners and live nodes, and every node's log. After each run it writes every
/// node's log, and after each PostgreSQL run the run's statements (<c>pg_stat_statements</c>, reset
/// when the measured phases start).
/// This is how the three-node stall of 2026-12-07 was found (docs/benchmarks.md).
/// </summary>
internal sealed class DeliveryDiagnostics(string directory, string label)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);
    private const int MaxDumps = 3;

    public static DeliveryDiagnostics? From(string? directory, string label) =>
        string.IsNullOrEmpty(directory) ? null : new DeliveryDiagnostics(Directory.CreateDirectory(directory).FullName, label);

    private string FileFor(string kind) =>
        Path.Combine(directory, $"{kind}-{DateTime.UtcNow:HHmmss}-{string.Concat(label.Where(char.IsLetterOrDigit)).ToLowerInvariant()}.txt");

    /// <summary>
    /// What to tell <see cref="BenchReceiver.WaitForArrivalsAsync"/> to look at each count it reads: a
    /// dump each time the count stays the same for 3 s short of <paramref name="expected"/> (at most three).
    /// </summary>
    public Func<int, Task> StallWatch(int expected, PostgresBenchDatabase? database, IReadOnlyList<ServerProcess> nodes)
    {
        var last = -1;
        var since = DateTime.UtcNow;
        var dumps = 0;
        return async count =>
        {
            if (count != last)
            {
                (last, since) = (count, DateTime.UtcNow);
            }
            else if (count < expected && dumps < MaxDumps && DateTime.UtcNow - since > Quiet)
            {
                dumps++;
                since = DateTime.UtcNow;
                var file = FileFor("stall");
                await File.WriteAllTextAsync(file, await StallReportAsync(count, expected, database, nodes), CancellationToken.None);
                Console.WriteLine($"   nothing arrived for {Quiet.TotalSeconds:F0} s at {count}/{expected}: {file}");
            }
        };
    }

    private static async Task<string> StallReportAsync(int count, int expected, PostgresBenchDatabase? database, IReadOnlyList<ServerProcess> nodes)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Nothing arrived for {Quiet.TotalSeconds:F0} s at {DateTime.UtcNow:O}: {count} of {expected} deliveries.");
        if (database is not null)
        {
            await using var connection = new NpgsqlConnection(database.ConnectionStringFor("diagnostics"));
            await connection.OpenAsync(CancellationToken.None);
            foreach (var query in new[]
            {
                "SELECT (extract(epoch FROM now()) * 1000)::bigint AS now_ms",
                "SELECT endpoint_id, node_id, expires_at FROM endpoint_owners ORDER BY endpoint_id",
                "SELECT node_id, expires_at FROM engine_nodes ORDER BY node_id",
                // Status 1 pending (next_attempt_at: due), 3 leased (next_attempt_at: lease end); 'o:node' is an offer.
                "SELECT endpoint_id, status, CASE WHEN lease_token LIKE 'o:%' THEN lease_token WHEN lease_token IS NULL THEN '-' ELSE 'lease' END AS kind, " +
                "count(*), min(next_attempt_at), max(next_attempt_at) FROM deliveries WHERE status IN (1, 3) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            })
            {
                text.AppendLine().AppendLine("-- " + query);
                await AppendRowsAsync(text, connection, query);
            }
        }
        AppendNodeLogs(text, nodes);
        return text.ToString();
    }

    /// <summary>Empties <c>pg_stat_statements</c> (server-wide: run on a PostgreSQL of its own), so the profile covers the measured phases.</summary>
    public static async Task ResetStatementsAsync(PostgresBenchDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionStringFor("diagnostics"));
        await connection.OpenAsync(CancellationToken.None);
        // Created here too: on a fresh server the reset runs before anything else has created it.
        await using var reset = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA public; SELECT public.pg_stat_statements_reset()", connection);
        await reset.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>Writes the 25 statements that took longest since the reset, with PostgreSQL's CPU for the run.</summary>
    public async Task WriteStatementsAsync(PostgresBenchDatabase database, double cpuSeconds, int deliveries)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{label}: PostgreSQL CPU {cpuSeconds:F1} s for {deliveries} deliveries ({1e6 * cpuSeconds / Math.Max(1, deliveries):F0} ms per 1,000).");
        text.AppendLine("calls | total ms | mean ms | max ms | rows | shared blocks hit | read | statement");
        await using var connection = new NpgsqlConnection(database.ConnectionStringFor("diagnostics"));
        await connection.OpenAsync(CancellationToken.None);
        await AppendRowsAsync(text, connection,
            "SELECT calls, round(total_exec_time::numeric, 0), round(mean_exec_time::numeric, 2), round(max_exec_time::numeric, 1), rows, " +
            "shared_blks_hit, shared_blks_read, left(regexp_replace(query, '\\s+', ' ', 'g'), 300) FROM public.pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25");
        await File.WriteAllTextAsync(FileFor("statements"), text.ToString(), CancellationToken.None);
    }

    /// <summary>Writes every node's log as it stands after the run (a takeover or a hand-over during the burst shows there).</summary>
    public async Task WriteNodeLogsAsync(IReadOnlyList<ServerProcess> nodes)
    {
        var text = new StringBuilder();
        AppendNodeLogs(text, nodes);
        await File.WriteAllTextAsync(FileFor("nodes"), text.ToString(), CancellationToken.None);
    }

    private static void AppendNodeLogs(StringBuilder text, IReadOnlyList<ServerProcess> nodes)
    {
        for (var n = 0; n < nodes.Count; n++)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"-- node {n} log").AppendLine(nodes[n].Output);
        }
    }

    private static async Task AppendRowsAsync(StringBuilder text, NpgsqlConnection connection, string query)
    {
        await using var command = new NpgsqlCommand(query, connection);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        var values = new object[reader.FieldCount];
        while (await reader.ReadAsync(CancellationToken.None))
        {
            reader.GetValues(values);
            text.AppendLine(string.Join(" | ", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        }
    }
}
