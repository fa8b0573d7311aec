using System.Text.Json;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.Compat;

/// <summary>
/// One run of a test/js/compat script that drives the official svix npm client against Hookline
/// (<c>node script serverUrl adminToken receiverUrl</c>): a host with an admin token that may deliver
/// to private networks, a real receiver, and the facts the script printed as its last line.
/// </summary>
internal sealed class SvixNpmWalkthrough(TestReceiver receiver, HooklineHost host, JsonElement facts) : IAsyncDisposable
{
    private const string AdminToken = "hk_test_svix_compat_admin_token";

    public TestReceiver Receiver => receiver;

    /// <summary>A string the script reported, e.g. <c>messageId</c>.</summary>
    public string Fact(string name) => facts.GetProperty(name).GetString()!;

    /// <summary>
    /// Runs <paramref name="script"/> of test/js/compat, the receiver listening at
    /// <paramref name="receiverPath"/>; skips the test when node or the npm packages are missing
    /// (under CI=true fails it instead). The script must exit 0.
    /// </summary>
    public static async Task<SvixNpmWalkthrough> RunAsync(string script, string receiverPath)
    {
        NodeOracle.Require();

        var receiver = await TestReceiver.StartAsync();
        HooklineHost? host = null;
        try
        {
            host = await HooklineHost.StartAsync(new Dictionary<string, string?>
            {
                ["Hookline:AdminToken"] = AdminToken,
                ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            });
            var (exitCode, stdout, stderr) = await NodeOracle.RunScriptAsync(
                Path.Combine("compat", script), host.BaseAddress.ToString().TrimEnd('/'), AdminToken, receiver.Url(receiverPath));
            Assert.True(exitCode == 0, $"{script} failed:\n{stderr}\n{stdout}");
            var facts = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
            return new SvixNpmWalkthrough(receiver, host, facts);
        }
        catch
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

            await receiver.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await receiver.DisposeAsync();
    }
}
