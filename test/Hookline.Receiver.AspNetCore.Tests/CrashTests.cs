using System.Diagnostics;
using System.Text;
using Hookline.Receiver.AspNetCore.Tests.Infrastructure;
using Hookline.Signatures;
using Hookline.Testing;
using static Hookline.Receiver.AspNetCore.Tests.Infrastructure.Webhooks;

namespace Hookline.Receiver.AspNetCore.Tests;

/// <summary>
/// Crash safety with a real process: the small app in CrashApp/ runs as <c>dotnet CrashApp.dll</c>, is
/// killed hard (SIGKILL) after it answered 200, and started again on the same database; the handler
/// must then run. Its handler blocks until the test drops a "release" file, so the kill lands
/// mid-handler.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly TemporaryDirectory _data = TemporaryDirectory.Create("hookline-receiver-crash");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Receiver_KilledWhileHandlerRuns_HandlerRunsAgainAfterRestart()
    {
        await using (var first = await CrashApp.StartAsync(_data.Path, runWorker: true))
        {
            Assert.False(await AssertAcceptedAsync(await PostAsync(first, "msg_crash_1")));
            await WaitForLineAsync("started.log", "msg_crash_1 1 ");
            await first.KillAsync();
        }
        Assert.False(File.Exists(Path.Combine(_data.Path, "done.log")));

        await File.WriteAllTextAsync(Path.Combine(_data.Path, "release"), "");
        await using var second = await CrashApp.StartAsync(_data.Path, runWorker: true);

        // The first run's lease (5 s in CrashApp) has to run out before the event is claimed again.
        var done = await WaitForLineAsync("done.log", "msg_crash_1 2 ", TimeSpan.FromSeconds(30));
        Assert.EndsWith(second.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), done, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receiver_KilledAfter200BeforeAnyHandlerRan_HandlerRunsAfterRestart()
    {
        await using (var first = await CrashApp.StartAsync(_data.Path, runWorker: false))
        {
            Assert.False(await AssertAcceptedAsync(await PostAsync(first, "msg_crash_2")));
            await first.KillAsync();
        }
        Assert.False(File.Exists(Path.Combine(_data.Path, "started.log")));

        await File.WriteAllTextAsync(Path.Combine(_data.Path, "release"), "");
        await using var second = await CrashApp.StartAsync(_data.Path, runWorker: true);

        await WaitForLineAsync("done.log", "msg_crash_2 1 ", TimeSpan.FromSeconds(20));
    }

    private static async Task<HttpResponseMessage> PostAsync(CrashApp app, string deliveryId)
    {
        var body = Utf8("{\"type\":\"order.paid\",\"order\":42}");
        var signer = WebhookSigners.Create("svix", new Dictionary<string, string?> { ["secret"] = Secret });
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return await client.PostAsync("/webhooks/svix", body, signer.Sign(body, deliveryId: deliveryId));
    }

    private async Task<string> WaitForLineAsync(string file, string prefix, TimeSpan? timeout = null)
    {
        var path = Path.Combine(_data.Path, file);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path))
            {
                var line = (await File.ReadAllLinesAsync(path)).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"no line starting '{prefix}' in {file}: {(File.Exists(path) ? await File.ReadAllTextAsync(path) : "(missing)")}");
    }

    /// <summary>The crash app as an operating-system process.</summary>
    private sealed class CrashApp : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output;

        private CrashApp(Process process, StringBuilder output, Uri baseAddress)
        {
            _process = process;
            _output = output;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public int ProcessId => _process.Id;

        private static string Dll
        {
            get
            {
                // bin/<Configuration>/net10.0 of this test project → CrashApp/bin/<Configuration>/net10.0.
                var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
                var projectDirectory = output.Parent!.Parent!.Parent!.FullName;
                var dll = Path.Combine(projectDirectory, "CrashApp", "bin", output.Parent.Name, output.Name, "Hookline.Receiver.AspNetCore.CrashApp.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException("The crash app is not built: " + dll, dll);
            }
        }

        public static async Task<CrashApp> StartAsync(string directory, bool runWorker)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            start.ArgumentList.Add(Dll);
            foreach (var argument in new[] { "--urls", "http://127.0.0.1:0", $"--CrashApp:Directory={directory}", $"--CrashApp:Secret={Secret}", $"--CrashApp:RunWorker={runWorker}" })
            {
                start.ArgumentList.Add(argument);
            }
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            var output = new StringBuilder();
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
                if (e.Data is { } line && line.StartsWith("LISTENING ", StringComparison.Ordinal))
                {
                    listening.TrySetResult(new Uri(line["LISTENING ".Length..].Trim()));
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
            if (first != listening.Task)
            {
                process.Kill(entireProcessTree: true);
                string text;
                lock (output)
                {
                    text = output.ToString();
                }
                throw new Xunit.Sdk.XunitException("The crash app did not start: " + text);
            }
            return new CrashApp(process, output, await listening.Task);
        }

        /// <summary>SIGKILL: no shutdown, no flushing — a crash.</summary>
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
}
