using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Hookline.Bench.Common;
using Hookline.Bench.MultiNode;
using Hookline.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hookline.Bench.Retention;

/// <summary>
/// A soak past several retention cutoffs: the server in its own process with
/// <c>Hookline:Retention:Period</c> of minutes, messages sent at a steady rate to endpoints at the bench
/// receiver, and every sample interval the rows and bytes the store holds and the latency of a
/// message-list page and of all-time endpoint stats. With retention working, rows and latency level
/// off after the first period instead of growing with the run.
/// </summary>
internal static class RetentionScenario
{
    private sealed record Sample(double Seconds, long Sent, long Messages, long Deliveries, long Attempts, long Rollups, long Bytes, double ListP50, double StatsP50, long StatsFinished, string Load);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var store = options.String("store", "sqlite");
        var duration = TimeSpan.FromMinutes(double.Parse(options.String("minutes", "4"), CultureInfo.InvariantCulture));
        var retention = options.String("retention", "1m");
        var rate = options.Int("rate", 50);
        var endpoints = options.Int("endpoints", 2);
        var every = TimeSpan.FromSeconds(options.Int("sample", 20));
        var requests = options.Int("requests", 20);
        var connection = options.PostgresConnection();
        if (store == "postgres" && connection is null)
        {
            Console.Error.WriteLine(BenchArgs.PostgresConnectionMissing);
            return 2;
        }

        var report = new BenchReport("retention", "Retention soak");
        report.Line($"Store {store}; Hookline:Retention:Period = {retention}, Interval = 5s; {rate} messages/s for {duration.TotalMinutes:F1} min to {endpoints} endpoints (each message to all); " +
            $"every {every.TotalSeconds:F0} s: rows held, store size, p50 of {requests} requests of a message-list page (limit=50) and of all-time endpoint stats.");
        report.Line("");

        var receiverPort = ServerProcess.FreePort();
        using var receiver = await BenchReceiver.StartProcessAsync(receiverPort);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hookline-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var database = store == "postgres" ? await PostgresBenchDatabase.CreateAsync(connection!) : null;
        ServerProcess? server = null;
        var samples = new List<Sample>();
        try
        {
            var settings = BenchServer.Settings(dataDirectory, database, "bench-retention");
            settings["Hookline:Retention:Period"] = retention;
            settings["Hookline:Retention:Interval"] = "5s";
            server = await ServerProcess.StartAsync(settings);
            using var api = BenchServer.AdminClient(server, TimeSpan.FromSeconds(60));
            var (appId, made) = await BenchServer.CreateAppAsync(api, "bench-retention", receiverPort, endpoints);

            using var stop = new CancellationTokenSource(duration);
            long sent = 0;
            var clock = Stopwatch.StartNew();
            var sender = Task.Run(async () =>
            {
                // Open loop: message n is due at n / rate seconds; a few in flight at once.
                using var gate = new SemaphoreSlim(16);
                var inFlight = new List<Task>();
                for (long n = 0; !stop.IsCancellationRequested; n++)
                {
                    var due = TimeSpan.FromSeconds((double)n / rate);
                    if (due > clock.Elapsed)
                    {
                        try
                        {
                            await Task.Delay(due - clock.Elapsed, stop.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                    await gate.WaitAsync();
                    var number = n;
                    inFlight.Add(Task.Run(async () =>
                    {
                        try
                        {
                            using var response = await api.PostAsJsonAsync($"/api/v1/app/{appId}/msg", new { eventType = "invoice.paid", payload = new { n = number } });
                            if (response.IsSuccessStatusCode)
                            {
                                Interlocked.Increment(ref sent);
                            }
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }));
                    inFlight.RemoveAll(t => t.IsCompleted);
                }
                await Task.WhenAll(inFlight);
            });

            var nextSample = TimeSpan.Zero;
            report.Line("| t (s) | accepted | messages | deliveries | attempts | rollup rows | store MiB | list p50 ms | stats p50 ms | stats finished | load average |");
            report.Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            while (true)
            {
                var wait = nextSample - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    // The last sample is taken when the run ends.
                    await Task.Delay(wait, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                var finished = stop.IsCancellationRequested;
                nextSample += every;
                var (messages, deliveries, attempts, rollups, bytes) = database is null
                    ? await CountSqliteAsync(Path.Combine(dataDirectory, "hookline.db"))
                    : await CountPostgresAsync(database.ConnectionStringFor("bench-count"));
                var list = await TimeAsync(api, $"/api/v1/app/{appId}/msg?limit=50&with_content=false", requests);
                var stats = await TimeAsync(api, $"/api/v1/app/{appId}/endpoint/{made[0].Id}/stats", requests);
                using var statsBody = await api.GetFromJsonAsync<JsonDocument>($"/api/v1/app/{appId}/endpoint/{made[0].Id}/stats");
                var done = statsBody!.RootElement.GetProperty("success").GetInt64() + statsBody.RootElement.GetProperty("fail").GetInt64();
                var sample = new Sample(clock.Elapsed.TotalSeconds, Interlocked.Read(ref sent), messages, deliveries, attempts, rollups, bytes, list, stats, done, Common.Machine.LoadAverage());
                samples.Add(sample);
                report.Line($"| {sample.Seconds:F0} | {sample.Sent:N0} | {sample.Messages:N0} | {sample.Deliveries:N0} | {sample.Attempts:N0} | {sample.Rollups:N0} | {sample.Bytes / 1048576.0:F1} | {sample.ListP50:F1} | {sample.StatsP50:F1} | {sample.StatsFinished:N0} | {sample.Load} |");
                if (finished)
                {
                    break;
                }
            }
            await sender;
            await server.StopAsync();
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            receiver.Kill(entireProcessTree: true);
            if (database is not null)
            {
                await database.DisposeAsync();
            }
            TemporaryDirectory.Delete(dataDirectory);
        }

        report.Line("");
        if (samples.Count > 0)
        {
            var peak = samples.MaxBy(s => s.Messages)!;
            var last = samples[^1];
            report.Line($"Accepted {last.Sent:N0} messages in all; the store held at most {peak.Messages:N0} (at {peak.Seconds:F0} s) and {last.Messages:N0} at the end, " +
                $"{last.Bytes / 1048576.0:F1} MiB (SQLite: file + WAL, which reuses freed pages rather than shrinking; PostgreSQL: tables + indexes).");
        }
        await report.SaveAsync();
        return 0;
    }

    private static async Task<double> TimeAsync(HttpClient api, string path, int requests)
    {
        var times = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await api.GetAsync(new Uri(path, UriKind.Relative));
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return Percentiles.Of(times, 50);
    }

    private static async Task<(long, long, long, long, long)> CountSqliteAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM deliveries), (SELECT COUNT(*) FROM attempts), (SELECT COUNT(*) FROM delivery_rollups)";
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        var bytes = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), bytes);
    }

    private static async Task<(long, long, long, long, long)> CountPostgresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM deliveries), (SELECT COUNT(*) FROM attempts), (SELECT COUNT(*) FROM delivery_rollups), " +
            "pg_total_relation_size('messages') + pg_total_relation_size('deliveries') + pg_total_relation_size('attempts') + pg_total_relation_size('message_channels') + pg_total_relation_size('delivery_rollups')",
            connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }
}
