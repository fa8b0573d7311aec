using System.Diagnostics;
using System.Text;
using Hookline.Cli.Infrastructure;
using Spectre.Console.Testing;

namespace Hookline.Cli.Tests.Infrastructure;

/// <summary>What a CLI run printed and how it ended.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>
/// Runs <c>hookline</c>: in-process through <see cref="HooklineCli.RunAsync"/> with Spectre's
/// <see cref="TestConsole"/> (to check output), or as the real process (<see cref="Start"/>).
/// </summary>
public static class CliRunner
{
    public static Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunAsync(environment, interactive: false, args);

    /// <param name="interactive">Whether the console is a terminal (live progress bars are drawn only then).</param>
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> environment, bool interactive, params string[] args)
    {
        var output = new TestConsole().Width(250);
        if (interactive)
        {
            output.Interactive();
        }
        var error = new TestConsole().Width(250);
        var code = await HooklineCli.RunAsync(args, new CliConsole(output, error), name => environment.TryGetValue(name, out var value) ? value : null);
        return new CliResult(code, output.Output, error.Output);
    }

    /// <summary>The built CLI (the same configuration as this test build).</summary>
    public static string Dll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var dll = Path.Combine(ServerProcess.RepositoryRoot, "src", "Hookline.Cli", "bin", configuration, "net10.0", "hookline.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the CLI first: {dll} is missing.", dll);
        }
    }

    /// <summary>Starts the real <c>hookline</c> process.</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args) => CliProcess.Start("dotnet", [Dll, .. args], environment);

    /// <summary>Runs the real process to its end.</summary>
    public static async Task<CliResult> RunProcessAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        await using var process = Start(environment, args);
        return await process.WaitAsync(TimeSpan.FromSeconds(60));
    }
}

/// <summary>A CLI process whose output is read as it comes.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private CliProcess(Process process) => _process = process;

    public static CliProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in new[] { "HOOKLINE_SERVER", "HOOKLINE_TOKEN", "HOOKLINE_CONFIG" })
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { lock (cli._output) { cli._output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (cli._error) { cli._error.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with what was printed.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(() => Output.Contains(text, StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(30),
            () => $"'{text}' in the CLI's output; it printed:\n{Output}\nstderr:\n{Error}");

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        // The asynchronous readers finish after the exit; this waits for them.
        _process.WaitForExit();
        return new CliResult(_process.ExitCode, Output, Error);
    }

    /// <summary>SIGTERM, as Ctrl+C or a service manager stops it.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL: the CLI vanishes without closing its connection.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
