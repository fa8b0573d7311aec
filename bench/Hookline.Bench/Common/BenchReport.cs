using System.Text;
using Hookline.Testing;

namespace Hookline.Bench.Common;

/// <summary>
/// A scenario's Markdown report: each line printed as it is written and kept, then saved as
/// <c>bench/results/{scenario}-{started}.md</c>. Starts with the title and the machine line every
/// report carries.
/// </summary>
internal sealed class BenchReport
{
    private readonly StringBuilder _text = new();
    private readonly string _scenario;
    private readonly bool _echo;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    /// <param name="echo">Print each line as it is written (false: the report is printed whole on save).</param>
    public BenchReport(string scenario, string title, bool echo = true)
    {
        _scenario = scenario;
        _echo = echo;
        Line($"# {title} — {_started:yyyy-MM-dd HH:mm} UTC");
        Line("");
        Line($"Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, .NET {Environment.Version}, load average at start {Machine.LoadAverage()}.");
    }

    public void Line(string text)
    {
        if (_echo)
        {
            Console.WriteLine(text);
        }
        _text.AppendLine(text);
    }

    /// <summary>Ends with the load average, writes the file and says where.</summary>
    public async Task SaveAsync()
    {
        Line($"Load average at end {Machine.LoadAverage()}.");
        if (!_echo)
        {
            Console.WriteLine();
            Console.WriteLine(_text.ToString());
        }
        var path = Path.Combine(ServerProcess.RepositoryRoot, "bench", "results", $"{_scenario}-{_started:yyyyMMdd-HHmmss}.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, _text.ToString());
        Console.WriteLine($"Report written to {path}");
    }

    /// <summary>A targets table's "met" column.</summary>
    public static string Mark(bool met) => met ? "yes" : "**no**";
}
