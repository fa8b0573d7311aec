using Hookline.Bench.Common;
using Hookline.Bench.Delivery;
using Hookline.Bench.MultiNode;
using Hookline.Bench.Signatures;

namespace Hookline.Bench;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/Hookline.Bench -- &lt;scenario&gt; [BenchmarkDotNet args]</c>.
/// Each scenario lives in its own folder and registers one line below.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Description, Func<string[], Task<int>> Run)> Scenarios = new(StringComparer.OrdinalIgnoreCase)
    {
        ["signatures"] = ("Sign/verify a 1 KiB payload: Standard Webhooks v1/v1a and provider schemes vs bare HMAC-SHA256.", a => Task.FromResult(SignaturesScenario.Run(a))),
        ["delivery"] = ("Server and receiver in their own processes: API acceptance, delivery rate vs raw HttpClient, latency at 1000 msg/s, memory. Options: --messages --endpoints --concurrency --rate --duration --endpoint-concurrency; --store sqlite|postgres --nodes N --connection \"…\" --gc workstation|server (the shipped one by default); --diagnose DIR writes a dump when arrivals stop for 3 s and, on PostgreSQL, each run's statement profile.", DeliveryScenario.RunAsync),
        ["multinode"] = ("The delivery scenario on SQLite and on PostgreSQL with 1, 2, 3 nodes in one run, compared (delivered/s, latency, PostgreSQL CPU). Options as delivery, plus --nodes 1,2,3 --rounds N --sqlite true|false.", MultiNodeScenario.RunAsync),
        ["ingest"] = ("Ingest URL vs a bare Kestrel endpoint vs adnanh/webhook, each in its own process: accepted req/s and ack latency at rising open-loop rates, closed-loop ceiling. Options: --rates --duration --concurrency --saturation-requests --body-bytes --gc workstation|server.", Ingest.IngestScenario.RunAsync),
        ["lists"] = ("The API's list queries (attempts by endpoint and message, messages by app, endpoint and time, stats) at 10k and 2M attempts, SQLite and PostgreSQL: p50/p99 through the API and the large/small ratio. Options: --attempts --small --sqlite-attempts --endpoints --requests --stores sqlite,postgres --connection \"…\" --keep true.", Lists.ListsScenario.RunAsync),
        ["retention"] = ("A soak past several retention cutoffs (Hookline:Retention:Period of minutes): rows held, store size, message-list and all-time stats latency over time. Options: --store sqlite|postgres --minutes 4 --retention 1m --rate 50 --endpoints 2 --sample 20 --requests 20 --connection \"…\".", Retention.RetentionScenario.RunAsync),
        ["receiver"] = ("(internal) the load scenarios' receiver process: --port N.", BenchReceiver.RunAsync),
    };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !Scenarios.TryGetValue(args[0], out var scenario))
        {
            if (args.Length > 0)
            {
                Console.Error.WriteLine($"Unknown scenario '{args[0]}'.");
            }

            Console.Error.WriteLine("Usage: dotnet run -c Release --project bench/Hookline.Bench -- <scenario> [BenchmarkDotNet args, e.g. --job short]");
            Console.Error.WriteLine("Scenarios:");
            foreach (var (name, (description, _)) in Scenarios)
            {
                Console.Error.WriteLine($"  {name,-12} {description}");
            }

            return 2;
        }

        return await scenario.Run(args[1..]);
    }
}
