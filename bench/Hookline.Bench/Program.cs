using Hookline.Bench.Signatures;

namespace Hookline.Bench;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/Hookline.Bench -- &lt;scenario&gt; [BenchmarkDotNet args]</c>.
/// Each scenario lives in its own folder and registers one line below.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Description, Func<string[], int> Run)> Scenarios = new(StringComparer.OrdinalIgnoreCase)
    {
        ["signatures"] = ("Sign/verify a 1 KiB payload: Standard Webhooks v1/v1a and provider schemes vs bare HMAC-SHA256.", SignaturesScenario.Run),
    };

    public static int Main(string[] args)
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

        return scenario.Run(args[1..]);
    }
}
