using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hookline.Testing;

/// <summary>
/// The Hookline server as a separate operating-system process — the way users run it — so tests
/// can kill it hard (<c>SIGKILL</c>) mid-run and start it again on the same data.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ServerProcess(Process process, StringBuilder output, Uri baseAddress)
    {
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>What the process printed so far (stdout and stderr).</summary>
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

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>The exit code once the process has exited (0 after a graceful stop, 137 after SIGKILL), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The repository root (the folder holding Hookline.slnx).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Hookline.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Hookline.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The server build matching this test build's configuration (Debug or Release).</summary>
    public static string ServerDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var dll = Path.Combine(RepositoryRoot, "src", "Hookline.Server", "bin", configuration, "net10.0", "Hookline.Server.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the server first: {dll} is missing.", dll);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the server and waits until <c>/api/v1/health</c> answers.</summary>
    /// <param name="settings">Configuration as <c>Hookline:Section:Key</c> → value, passed on the command line.</param>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int? port = null, TimeSpan? startTimeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var server = Launch(settings, port, environment);
        await server.WaitHealthyAsync(startTimeout ?? TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>
    /// Starts the server without waiting for it: the process id is known at once (a node starts
    /// delivering before its API answers), and <see cref="WaitHealthyAsync"/> waits for the API.
    /// </summary>
    /// <param name="settings">Configuration as <c>Hookline:Section:Key</c> → value, passed on the command line.</param>
    /// <param name="port">The loopback port to listen on; a free one when null.</param>
    /// <param name="environment">Extra environment variables (e.g. <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</param>
    /// <param name="urls">The whole <c>--urls</c> value instead of <c>http://127.0.0.1:{port}</c>.</param>
    public static ServerProcess Launch(IReadOnlyDictionary<string, string> settings, int? port = null,
        IReadOnlyDictionary<string, string>? environment = null, string? urls = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var listenPort = port ?? FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ServerDll)!,
        };
        start.ArgumentList.Add(ServerDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(urls ?? $"http://127.0.0.1:{listenPort}");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process, output, new Uri($"http://127.0.0.1:{listenPort}"));
    }

    public HttpClient CreateClient(string? bearerToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearerToken);
        }
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing — a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait: a graceful stop.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>Waits for the process to end by itself (a failed start); kills it if it has not within <paramref name="timeout"/>.</summary>
    /// <returns>The exit code, or null when it had to be killed.</returns>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            // The asynchronous output readers may still hold the last lines.
            _process.WaitForExit();
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>Waits until <c>/api/v1/health</c> answers; fails if the process exits first or the time runs out.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using var response = await client.GetAsync(new Uri("/api/v1/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The server did not become healthy within {timeout}:\n{Output}");
    }
}
