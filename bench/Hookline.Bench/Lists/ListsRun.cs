using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Hookline.Bench.Common;
using Hookline.Bench.MultiNode;
using Hookline.Testing;

namespace Hookline.Bench.Lists;

/// <summary>The run's settings (<c>--small --attempts --sqlite-attempts --endpoints --requests --warmup --days</c>).</summary>
internal sealed record ListsSettings
{
    public long SmallAttempts { get; init; } = 10_000;
    public long LargeAttempts { get; init; } = 2_000_000;
    public long SqliteLargeAttempts { get; init; } = 2_000_000;
    public int Endpoints { get; init; } = 10;
    public int RealMessages { get; init; } = 20;
    public int Requests { get; init; } = 200;
    public int Warmup { get; init; } = 20;
    public int Days { get; init; } = 30;

    /// <summary>Keep the PostgreSQL schema or the SQLite directory afterwards, to look at plans by hand.</summary>
    public bool Keep { get; init; }
}

/// <summary>One data size's figures on one store.</summary>
internal sealed record LevelFigures(HistoryCounts Counts, double SeedSeconds, double SettleSeconds, IReadOnlyList<QueryFigures> Queries, string LoadBefore, string LoadAfter);

internal sealed record StoreFigures(string Store, LevelFigures Small, LevelFigures Large);

/// <summary>
/// One store: the server in its own process, an app with endpoints and a few real messages through
/// the API, then a generated history written straight into its tables — the small level, measured,
/// then topped up to the large level and measured again.
/// </summary>
internal static class ListsRun
{
    public static async Task<StoreFigures> RunAsync(string store, string? postgres, ListsSettings settings, int receiverPort)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hookline-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var database = store == "postgres" ? await PostgresBenchDatabase.CreateAsync(postgres!) : null;
        ServerProcess? server = null;
        try
        {
            server = await ServerProcess.StartAsync(BenchServer.Settings(dataDirectory, database, "bench-lists"));
            using var api = BenchServer.AdminClient(server, TimeSpan.FromSeconds(120));

            var (appId, endpoints) = await BenchServer.CreateAppAsync(api, "bench-lists", receiverPort, settings.Endpoints);
            await SendMessagesAsync(api, appId, settings.RealMessages);
            await using IHistoryWriter writer = database is null
                ? new SqliteHistoryWriter(Path.Combine(dataDirectory, "hookline.db"))
                : new PostgresHistoryWriter(database.ConnectionStringFor("bench-seed"));
            var to = DateTimeOffset.UtcNow.AddDays(-2);
            var from = to.AddDays(-settings.Days);
            var history = new ListHistory(endpoints, from, to, seed: 20_260_101);
            var sample = new MessageSample(500, seed: 7);
            var middle = from + (to - from) / 2;
            var targets = new ListTargets(appId, [.. endpoints.Select(e => e.Id)], sample.Ids, middle, middle.AddDays(1));

            async Task<LevelFigures> LevelAsync(long attempts, string label)
            {
                var loadBefore = Common.Machine.LoadAverage();
                Console.WriteLine($"{store}: seeding {label} level (≈{attempts:N0} attempts)…");
                var seed = Stopwatch.StartNew();
                await writer.WriteAsync(appId, sample.Observe(history.Generate(attempts)));
                var seedSeconds = seed.Elapsed.TotalSeconds;
                var settle = Stopwatch.StartNew();
                await writer.SettleAsync();
                var settleSeconds = settle.Elapsed.TotalSeconds;
                var counts = await writer.CountAsync();
                Console.WriteLine($"{store}: {counts.Messages:N0} messages, {counts.Deliveries:N0} deliveries, {counts.Attempts:N0} attempts, {counts.Bytes / 1048576.0:F0} MiB; seeded in {seedSeconds:F1} s (+{settleSeconds:F1} s settle). Measuring…");
                if (label == "small")
                {
                    // A fresh server: one untimed pass first, so the small level (the baseline) is not
                    // measured on code the JIT has not optimised yet while the large level is.
                    await ListQueries.MeasureAsync(api, targets with { MessageIds = [.. sample.Ids] }, settings.Requests / 2, 0, print: false);
                }
                var queries = await ListQueries.MeasureAsync(api, targets with { MessageIds = [.. sample.Ids] }, settings.Requests, settings.Warmup);
                return new LevelFigures(counts, seedSeconds, settleSeconds, queries, loadBefore, Common.Machine.LoadAverage());
            }

            var small = await LevelAsync(settings.SmallAttempts, "small");
            var large = await LevelAsync(Math.Max(0, (database is null ? settings.SqliteLargeAttempts : settings.LargeAttempts) - small.Counts.Attempts), "large");
            await server.StopAsync();
            return new StoreFigures(database is null ? "SQLite" : "PostgreSQL", small, large);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            if (settings.Keep)
            {
                Console.WriteLine(database is null ? $"Kept {dataDirectory}" : $"Kept schema {database.Schema}");
            }
            else
            {
                if (database is not null)
                {
                    await database.DisposeAsync();
                }
                TemporaryDirectory.Delete(dataDirectory);
            }
        }
    }

    /// <summary>A few messages through the API, so the history holds some the server wrote itself.</summary>
    private static async Task SendMessagesAsync(HttpClient api, string appId, int count)
    {
        for (var m = 0; m < count; m++)
        {
            using var message = await api.PostAsJsonAsync($"/api/v1/app/{appId}/msg",
                new { eventType = "invoice.paid", payload = new { n = m, at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) } });
            message.EnsureSuccessStatusCode();
        }
    }

    /// <summary>A uniform sample of the seeded message ids (reservoir sampling), for the per-message queries.</summary>
    private sealed class MessageSample(int size, int seed)
    {
        private readonly Random _random = new(seed);
        private long _seen;

        public List<string> Ids { get; } = [];

        public IEnumerable<SeedMessage> Observe(IEnumerable<SeedMessage> messages)
        {
            foreach (var message in messages)
            {
                _seen++;
                if (Ids.Count < size)
                {
                    Ids.Add(message.Id);
                }
                else if (_random.NextInt64(_seen) is var slot && slot < size)
                {
                    Ids[(int)slot] = message.Id;
                }
                yield return message;
            }
        }
    }
}
