using System.Text.Json;
using Spectre.Console;

namespace Hookline.Cli.Infrastructure;

/// <summary>
/// Where a command writes: <see cref="Out"/> for results (tables, live lines, progress), plain
/// text for JSON and for one-line errors on <see cref="Error"/>. Tests pass Spectre's
/// <c>TestConsole</c>s.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(IAnsiConsole output, IAnsiConsole error)
    {
        Out = output;
        Error = error;
    }

    public IAnsiConsole Out { get; }

    public IAnsiConsole Error { get; }

    /// <summary>The real terminal: stdout and stderr. Redirected output gets no colours and no wrapping at 80 columns.</summary>
    public static CliConsole CreateSystem()
    {
        return new CliConsole(Create(Console.Out, Console.IsOutputRedirected), Create(Console.Error, Console.IsErrorRedirected));

        static IAnsiConsole Create(TextWriter writer, bool redirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(writer),
                Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
                ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
                Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
            });
            if (redirected)
            {
                // Lines for scripts and logs are not cut at a terminal width nobody has.
                console.Profile.Width = 4096;
            }
            return console;
        }
    }

    /// <summary>A line of plain text on the output, never interpreted as markup.</summary>
    public void WriteLine(string text) => Out.Profile.Out.Writer.WriteLine(text);

    /// <summary>A JSON document on the output, indented, exactly as the server sent its fields.</summary>
    public void WriteJson(JsonElement json) => WriteLine(JsonSerializer.Serialize(json, IndentedJson));

    /// <summary>One line on stderr: <c>error: …</c>.</summary>
    public void WriteError(string message) => Error.Profile.Out.Writer.WriteLine($"error: {message}");

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };
}
