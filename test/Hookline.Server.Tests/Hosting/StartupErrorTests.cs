using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Hookline.Server.Tests.Hosting;

/// <summary>
/// The real server process, started with a configuration mistake, as a person would: it must stop
/// with a non-zero exit code and one readable line naming the key, the value and the fix — no
/// stack trace, nothing else.
/// </summary>
public sealed partial class StartupErrorTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("Hookline:AdminToken", "short", new[] { "Hookline:AdminToken is 5 characters long", "at least 16" })]
    [InlineData("Hookline:Delivery:Timeout", "soon", new[] { "Hookline:Delivery:Timeout = 'soon'", "500ms, 5s, 5m, 2h or 5d" })]
    [InlineData("Hookline:Delivery:RetrySchedule", "5s,later", new[] { "Hookline:Delivery:RetrySchedule = '5s,later'", "'later' is not a duration" })]
    [InlineData("Hookline:Delivery:MaxConcurrencyPerEndpoint", "0", new[] { "Hookline:Delivery:MaxConcurrencyPerEndpoint = '0'", "between 1 and" })]
    [InlineData("Hookline:Limits:MaxPayloadBytes", "10", new[] { "Hookline:Limits:MaxPayloadBytes = '10'", "between 1024 and" })]
    [InlineData("Hookline:Telemetry:Prometheus:Path", "metrics", new[] { "Hookline:Telemetry:Prometheus:Path = 'metrics'", "starting with '/'" })]
    [InlineData("Hookline:Delivery:AllowPrivateNetworks", "yes", new[] { "Hookline:Delivery:AllowPrivateNetworks = 'yes'", "true or false" })]
    [InlineData("Hookline:Secrets:KeyRingCertificatePath", "/nonexistent/ring.pfx", new[] { "Hookline:Secrets:KeyRingCertificatePath = '/nonexistent/ring.pfx'", "no such file" })]
    public async Task BadSetting_StopsWithOneLineNamingKeyValueAndFix(string key, string value, string[] expected)
    {
        using var data = TemporaryDirectory.Create("hookline-startup");

        var (exitCode, line) = await StartExpectingFailureAsync(new() { ["Hookline:DataDirectory"] = data.Path, [key] = value });

        Assert.NotEqual(0, exitCode);
        foreach (var part in expected)
        {
            Assert.Contains(part, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnreachablePostgres_StopsWithHostAndReason()
    {
        var port = ServerProcess.FreePort();

        var (exitCode, line) = await StartExpectingFailureAsync(new()
        {
            ["Hookline:Storage:Provider"] = "postgres",
            ["Hookline:Storage:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=hookline;Password=secret-password;Database=hookline;Timeout=5",
            ["Hookline:AdminToken"] = "hk_test_startup_errors_0123456789",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Hookline:Storage:ConnectionString", line, StringComparison.Ordinal);
        Assert.Contains($"PostgreSQL at 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} cannot be reached", line, StringComparison.Ordinal);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret-password", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUse_StopsNamingTheAddress()
    {
        using var data = TemporaryDirectory.Create("hookline-startup");
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var (exitCode, line) = await StartExpectingFailureAsync(new() { ["Hookline:DataDirectory"] = data.Path }, port: port);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"--urls = 'http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}'", line, StringComparison.Ordinal);
        Assert.Contains("already in use", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnwritableDataDirectory_StopsNamingTheDirectory()
    {
        using var data = TemporaryDirectory.Create("hookline-startup");
        // A regular file where a folder should be: unwritable even for root, which ignores permission bits.
        var file = Path.Combine(data.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "");
        var dataDirectory = Path.Combine(file, "data");

        var (exitCode, line) = await StartExpectingFailureAsync(new() { ["Hookline:DataDirectory"] = dataDirectory });

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Hookline:DataDirectory = '{dataDirectory}': the server cannot write there", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:abc")]
    [InlineData("localhost:8071")]
    public async Task InvalidUrls_StopsNamingTheAddress(string urls)
    {
        using var data = TemporaryDirectory.Create("hookline-startup");

        var (exitCode, line) = await StartExpectingFailureAsync(new() { ["Hookline:DataDirectory"] = data.Path }, urls: urls);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"--urls = '{urls}': is not a listen address", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GeneratedAdminToken_StartFailsAfterTheStore_IsPrintedByTheNextStartThatListens()
    {
        using var data = TemporaryDirectory.Create("hookline-startup");
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var busy = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var settings = new Dictionary<string, string> { ["Hookline:DataDirectory"] = data.Path };

        // The store opens and migrates, then Kestrel cannot bind: no token may be printed or kept.
        var (_, failed) = await StartExpectingFailureAsync(settings, port: busy);
        Assert.DoesNotContain("hk_admin_", failed, StringComparison.Ordinal);

        await using var server = await ServerProcess.StartAsync(settings);
        var token = TokenPattern().Match(server.Output);
        Assert.True(token.Success, server.Output);
        using var client = server.CreateClient(token.Value);
        using var response = await client.GetAsync(new Uri("/api/v1/app", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <returns>The exit code and the output, which must be exactly one line without a stack trace.</returns>
    private static async Task<(int ExitCode, string Line)> StartExpectingFailureAsync(Dictionary<string, string> settings, int? port = null, string? urls = null)
    {
        await using var server = ServerProcess.Launch(settings, port, urls: urls);
        var exitCode = await server.WaitForExitAsync(ExitTimeout);
        var output = server.Output.Trim();
        Assert.True(exitCode is not null, $"The server did not stop:\n{output}");
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', output);
        Assert.StartsWith("Hookline did not start. ", output, StringComparison.Ordinal);
        return (exitCode.Value, output);
    }

    [GeneratedRegex("hk_admin_[A-Za-z0-9_-]{43}")]
    private static partial Regex TokenPattern();
}
