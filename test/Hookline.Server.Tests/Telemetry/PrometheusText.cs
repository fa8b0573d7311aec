using System.Globalization;
using System.Text.RegularExpressions;

namespace Hookline.Server.Tests.Telemetry;

/// <summary>Reads samples from the Prometheus text exposition format.</summary>
internal static partial class PrometheusText
{
    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one of <paramref name="labels"/> (<c>outcome="success"</c>); null when there is none.</summary>
    public static double? Value(string text, string name, params string[] labels)
    {
        double? sum = null;
        foreach (Match match in Sample().Matches(text))
        {
            if (match.Groups["name"].Value == name && labels.All(l => match.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            {
                sum = (sum ?? 0) + double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
