using System.Globalization;
using System.Text.Json;
using Hookline.Testing;

namespace Hookline.Bench.Common;

/// <summary><c>--name value</c> pairs with defaults.</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public BenchArgs(string[] args)
    {
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            _values[args[i].TrimStart('-')] = args[i + 1];
        }
    }

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string String(string name, string fallback) => _values.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>
    /// The server's garbage collector: <c>--gc workstation</c> or <c>--gc server</c>; by default the one
    /// the server's runtimeconfig ships (<c>System.GC.Server</c>), so a benchmark measures what users run.
    /// The test harness starts every server with workstation GC whatever is shipped; this says which.
    /// </summary>
    public string GarbageCollector()
    {
        var gc = String("gc", Shipped.Value);
        return gc is "server" or "workstation" ? gc : throw new ArgumentException($"--gc {gc}: use workstation or server.");
    }

    private static readonly Lazy<string> Shipped = new(ShippedGarbageCollector);

    /// <summary>What <c>Hookline.Server.runtimeconfig.json</c> beside the server build says (workstation when it says nothing).</summary>
    private static string ShippedGarbageCollector()
    {
        var config = Path.ChangeExtension(ServerProcess.ServerDll, ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(config));
        return document.RootElement.TryGetProperty("runtimeOptions", out var runtime)
            && runtime.TryGetProperty("configProperties", out var properties)
            && properties.TryGetProperty("System.GC.Server", out var server) && server.ValueKind == JsonValueKind.True
            ? "server" : "workstation";
    }

    /// <summary>The environment that selects <see cref="GarbageCollector"/> in a server process, with <paramref name="more"/> added.</summary>
    public Dictionary<string, string> ServerEnvironment(IReadOnlyDictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_gcServer"] = GarbageCollector() == "server" ? "1" : "0" };
        foreach (var (name, value) in more ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return environment;
    }

    /// <summary>How a report names the garbage collector the servers ran.</summary>
    public string GarbageCollectorLine()
    {
        var gc = GarbageCollector();
        return $"Servers run {(gc == "server" ? "Server" : "workstation")} GC ({(gc == Shipped.Value ? "as shipped" : "not the shipped one")}; --gc workstation|server).";
    }

    /// <summary>What to say when a PostgreSQL run has no <see cref="PostgresConnection"/>.</summary>
    public const string PostgresConnectionMissing = "PostgreSQL runs need --connection \"Host=…;Username=…;Password=…;Database=…\" (or HOOKLINE_BENCH_POSTGRES, or HOOKLINE_TEST_POSTGRES as scripts/test.sh exports it).";

    /// <summary>The PostgreSQL server for runs that use one: <c>--connection</c>, else <c>HOOKLINE_BENCH_POSTGRES</c>, else <c>HOOKLINE_TEST_POSTGRES</c>; null when none is given.</summary>
    public string? PostgresConnection()
    {
        var value = String("connection", Environment.GetEnvironmentVariable("HOOKLINE_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("HOOKLINE_TEST_POSTGRES") ?? "");
        return value.Length > 0 ? value : null;
    }
}
