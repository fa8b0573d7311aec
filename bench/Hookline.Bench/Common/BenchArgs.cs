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
}
