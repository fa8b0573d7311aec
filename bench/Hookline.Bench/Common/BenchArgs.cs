using System.Globalization;

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

    /// <summary>What to say when a PostgreSQL run has no <see cref="PostgresConnection"/>.</summary>
    public const string PostgresConnectionMissing = "PostgreSQL runs need --connection \"Host=…;Username=…;Password=…;Database=…\" (or HOOKLINE_BENCH_POSTGRES, or HOOKLINE_TEST_POSTGRES as scripts/test.sh exports it).";

    /// <summary>The PostgreSQL server for runs that use one: <c>--connection</c>, else <c>HOOKLINE_BENCH_POSTGRES</c>, else <c>HOOKLINE_TEST_POSTGRES</c>; null when none is given.</summary>
    public string? PostgresConnection()
    {
        var value = String("connection", Environment.GetEnvironmentVariable("HOOKLINE_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("HOOKLINE_TEST_POSTGRES") ?? "");
        return value.Length > 0 ? value : null;
    }
}
