using System.Text.Json;
using Hookline.Cli.Tests.Infrastructure;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline sign</c>: signs a body as a provider would. Its headers verify with
/// <c>hookline verify</c>, and <c>--send</c> posts a request that a real server's ingest URL accepts
/// with the right secret and refuses with a wrong one.
/// </summary>
public sealed class SignTests : IClassFixture<ServerFixture>, IDisposable
{
    private const string StripeSecret = "whsec_sign_test_secret_42";
    private const string Body = """{"id":"evt_sign_1","type":"invoice.paid","data":{"object":{"amount":42}}}""";
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private readonly ServerFixture _fixture;
    private readonly TemporaryDirectory _files = TemporaryDirectory.Create("hookline-cli-sign");

    public SignTests(ServerFixture fixture) => _fixture = fixture;

    public void Dispose() => _files.Dispose();

    private string Write(string name)
    {
        var path = Path.Combine(_files.Path, name);
        File.WriteAllText(path, Body);
        return path;
    }

    [Theory]
    [InlineData("stripe", StripeSecret)]
    [InlineData("github", "it's a secret to everybody")]
    [InlineData("svix", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("shopify", "shpss_secret")]
    public async Task Sign_PrintsHeadersThatVerify(string scheme, string secret)
    {
        var body = Write("body.json");

        var signed = await CliRunner.RunAsync(NoEnvironment, "sign", "--scheme", scheme, "--secret", secret, "--body", $"@{body}");

        Assert.True(signed.ExitCode == 0, signed.Output + signed.Error);
        var headers = signed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(headers);
        var verify = await CliRunner.RunAsync(NoEnvironment, ["verify", "--scheme", scheme, "--secret", secret, "--body", $"@{body}", .. headers.SelectMany(h => new[] { "--header", h })]);
        Assert.True(verify.ExitCode == 0, verify.Output + verify.Error);
        Assert.StartsWith($"valid: {scheme} signature verified", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_Send_IngestUrlAcceptsTheRightSecretAndRefusesAWrongOne()
    {
        var uid = ServerFixture.Unique("stripe");
        var source = await _fixture.PostAsync("/ingest/api/v1/source", new { name = uid, uid, type = "stripe", config = new { secret = StripeSecret } });
        var ingestUrl = source.GetProperty("ingestUrl").GetString()!;
        var body = Write("event.json");

        var accepted = await CliRunner.RunProcessAsync(NoEnvironment, "sign", "--scheme", "stripe", "--secret", StripeSecret, "--body", $"@{body}", "--send", ingestUrl);
        var refused = await CliRunner.RunProcessAsync(NoEnvironment, "sign", "--scheme", "stripe", "--secret", "whsec_not_the_secret", "--body", $"@{body}", "--send", ingestUrl);

        Assert.True(accepted.ExitCode == 0, accepted.Output + accepted.Error);
        var lines = accepted.Output.Split('\n', 2);
        Assert.Equal("200 OK", lines[0].Trim());
        using (var answer = JsonDocument.Parse(lines[1]))
        {
            Assert.Equal("accepted", answer.RootElement.GetProperty("status").GetString());
        }
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("401 Unauthorized", refused.Output, StringComparison.Ordinal);
        Assert.Contains("signature", refused.Output, StringComparison.OrdinalIgnoreCase);

        // The accepted request is in the source's log, verified; the refused one with its reason.
        var log = await _fixture.GetAsync($"/ingest/api/v1/source/{uid}/log");
        Assert.Equal(2, log.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Sign_BadInput_ExitsTwoWithOneLine()
    {
        var unknown = await CliRunner.RunAsync(NoEnvironment, "sign", "--scheme", "nope", "--secret", "s", "--body", "{}");
        var badUrl = await CliRunner.RunAsync(NoEnvironment, "sign", "--scheme", "github", "--secret", "s", "--body", "{}", "--send", "ftp://example.com/x");
        var noUrl = await CliRunner.RunAsync(NoEnvironment, "sign", "--scheme", "twilio", "--secret", "s", "--body", "a=b");

        Assert.Equal(2, unknown.ExitCode);
        Assert.StartsWith("error: --scheme: cannot sign as 'nope'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, badUrl.ExitCode);
        Assert.StartsWith("error: --send: 'ftp://example.com/x' is not an http or https URL", badUrl.Error, StringComparison.Ordinal);
        Assert.Equal(2, noUrl.ExitCode);
        Assert.Single(noUrl.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Sign_Send_UnreachableUrl_ExitsThree()
    {
        var result = await CliRunner.RunAsync(NoEnvironment, "sign", "--scheme", "github", "--secret", "s", "--body", "{}", "--send", "http://127.0.0.1:1/hook");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error: cannot reach http://127.0.0.1:1/hook", result.Error, StringComparison.Ordinal);
    }
}
