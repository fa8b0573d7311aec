using System.Globalization;
using System.Text;
using Hookline.Cli.Tests.Infrastructure;
using Hookline.Signatures;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline verify</c> on requests signed as Stripe, GitHub and Standard Webhooks sign them
/// (Hookline.Signatures' signers, themselves checked against each provider's published vectors),
/// with every outcome: valid, missing header, timestamp outside the tolerance, mismatch, and the
/// causes it can confirm.
/// </summary>
public sealed class VerifyTests : IDisposable
{
    private const string StripeSecret = "whsec_stripe_test_secret_123";
    private const string GitHubSecret = "it's a secret to everybody";
    private const string SvixSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly byte[] Body = """{"id":"evt_1","type":"invoice.paid","data":{"object":{"amount":42,"currency":"eur"}}}"""u8.ToArray();
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly TemporaryDirectory _files = TemporaryDirectory.Create("hookline-cli-verify");

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Verify_StripeSignedRequest_IsValidAndExitsZero()
    {
        var result = await VerifyAsync("stripe", StripeSecret, Sign("stripe", StripeSecret, Body), Body);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("valid: stripe signature verified (delivery id evt_1, signed at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_GitHubAndStandardWebhooksSignedRequests_AreValid()
    {
        Assert.Equal(0, (await VerifyAsync("github", GitHubSecret, Sign("github", GitHubSecret, Body), Body)).ExitCode);
        Assert.Equal(0, (await VerifyAsync("svix", SvixSecret, Sign("svix", SvixSecret, Body), Body)).ExitCode);
        Assert.Equal(0, (await VerifyAsync("standard-webhooks", SvixSecret, Sign("svix", SvixSecret, Body), Body)).ExitCode);
    }

    [Fact]
    public async Task Verify_MissingSignatureHeader_ExitsOneNamingTheHeader()
    {
        var headers = Sign("github", GitHubSecret, Body).Where(h => h.Key != "X-Hub-Signature-256" && h.Key != "X-Hub-Signature").ToList();

        var result = await VerifyAsync("github", GitHubSecret, headers, Body);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("invalid: missing header: Header 'X-Hub-Signature-256' is missing.", FirstLine(result));
    }

    [Fact]
    public async Task Verify_StaleStripeTimestamp_SaysByHowMuch()
    {
        // 20.5 minutes, so that a second passing between signing and checking changes nothing below.
        var signedAt = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1230);
        var headers = Sign("stripe", StripeSecret, Body, signedAt);

        var result = await VerifyAsync("stripe", StripeSecret, headers, Body, "--tolerance", "5m");

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"^invalid: timestamp outside the tolerance: Timestamp in 'Stripe-Signature' is 123[0-2] s old; the tolerance is 300 s .* Outside the tolerance by 15m3[0-2]s\.$", FirstLine(result));
    }

    [Fact]
    public async Task Verify_TimestampInTheFuture_SaysByHowMuch()
    {
        var headers = Sign("svix", SvixSecret, Body, DateTimeOffset.UtcNow + TimeSpan.FromHours(2) + TimeSpan.FromSeconds(30));

        var result = await VerifyAsync("svix", SvixSecret, headers, Body);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("s in the future; the tolerance is 300 s", FirstLine(result), StringComparison.Ordinal);
        Assert.EndsWith("Outside the tolerance by 1h55m.", FirstLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BodyReserialisedWithIndentation_NamesTheCause()
    {
        var headers = Sign("stripe", StripeSecret, Body);
        var pretty = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(Body).RootElement, Indented));

        var result = await VerifyAsync("stripe", StripeSecret, headers, pretty);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("invalid: signature mismatch: ", FirstLine(result), StringComparison.Ordinal);
        Assert.Contains("likely cause: the body was re-serialised: the signature matches the body without whitespace (compact JSON).", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BodyKeysReordered_NamesTheCause()
    {
        var signed = """{"a":1,"b":{"c":2,"d":3}}"""u8.ToArray();
        var reordered = """{"b":{"d":3,"c":2},"a":1}"""u8.ToArray();

        var result = await VerifyAsync("github", GitHubSecret, Sign("github", GitHubSecret, signed), reordered);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("likely cause: the body was re-serialised: the signature matches the body with its keys in another order (compact JSON).", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_StandardWebhooksSecretWithoutPrefix_NamesTheCause()
    {
        var headers = Sign("svix", SvixSecret, Body);

        var result = await VerifyAsync("svix", SvixSecret["whsec_".Length..] + "x", headers, Body);
        var withoutPrefix = await VerifyAsync("svix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers, Body);
        var stripeWithoutPrefix = await VerifyAsync("stripe", StripeSecret["whsec_".Length..], Sign("stripe", StripeSecret, Body), Body);

        Assert.Equal(1, result.ExitCode);
        // A bare base64 key is what Svix's dashboard shows after the prefix; Hookline reads it as whsec_.
        Assert.Equal(0, withoutPrefix.ExitCode);
        Assert.Equal(1, stripeWithoutPrefix.ExitCode);
        Assert.StartsWith("invalid: unusable secret: ", FirstLine(stripeWithoutPrefix), StringComparison.Ordinal);
        Assert.Contains("likely cause: the secret has the wrong prefix or encoding: it verifies with the secret with the 'whsec_' prefix.", stripeWithoutPrefix.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WrongScheme_NamesTheSchemeThatVerifies()
    {
        var headers = Sign("svix", SvixSecret, Body);

        var result = await VerifyAsync("stripe", SvixSecret, headers, Body);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("invalid: missing header: Header 'Stripe-Signature' is missing.", FirstLine(result));
        Assert.Contains("likely cause: the wrong scheme was chosen: the request verifies as 'svix' (--scheme svix).", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WrongSecret_SaysNoTestedCauseExplainsIt()
    {
        var result = await VerifyAsync("stripe", "whsec_another_secret", Sign("stripe", StripeSecret, Body), Body);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("invalid: signature mismatch: The signature in 'Stripe-Signature' does not match (wrong secret, or the body was changed after signing).", FirstLine(result));
        Assert.Contains("likely cause: none of the causes that can be tested", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Explain_PrintsSignedContentAndExpectedSignature()
    {
        const string id = "msg_explain_1";
        var at = DateTimeOffset.UtcNow;
        var headers = WebhookSigners.Create("svix", new Dictionary<string, string?> { ["secret"] = SvixSecret }, new FakeTimeProvider(at)).Sign(Body, deliveryId: id);

        var result = await VerifyAsync("svix", SvixSecret, headers, Body, "--explain");

        Assert.Equal(0, result.ExitCode);
        var signature = headers.Single(h => h.Key == "webhook-signature").Value;
        Assert.Contains($"Expected:         {signature}", result.Output, StringComparison.Ordinal);
        Assert.Contains($"----\n{id}.{at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{Encoding.UTF8.GetString(Body)}\n----", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ExplainOnMismatch_ShowsWhatWasReceivedAndExpected()
    {
        var result = await VerifyAsync("github", "another secret", Sign("github", GitHubSecret, Body), Body, "--explain");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Signature header: X-Hub-Signature-256 (HMAC-SHA256, hex)", result.Output, StringComparison.Ordinal);
        Assert.Matches("Received: +sha256=[0-9a-f]{64}", result.Output);
        Assert.Matches("Expected: +sha256=[0-9a-f]{64}", result.Output);
        Assert.Contains(Encoding.UTF8.GetString(Body), result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BadArguments_ExitTwoWithOneLine()
    {
        var unknown = await CliRunner.RunAsync(NoEnvironment, "verify", "--scheme", "nope", "--secret", "x", "--body", "{}");
        var header = await CliRunner.RunAsync(NoEnvironment, "verify", "--scheme", "stripe", "--secret", "x", "--body", "{}", "--header", "no colon");
        var file = await CliRunner.RunAsync(NoEnvironment, "verify", "--scheme", "stripe", "--secret", "x", "--body", "@/no/such/file");
        var tolerance = await CliRunner.RunAsync(NoEnvironment, "verify", "--scheme", "github", "--secret", "x", "--body", "{}", "--tolerance", "5m");

        Assert.All([unknown, header, file, tolerance], r => Assert.Equal(2, r.ExitCode));
        Assert.StartsWith("error: --scheme: unknown scheme 'nope'; known: ", unknown.Error, StringComparison.Ordinal);
        Assert.Equal("error: --header: 'no colon' is not 'Name: value'", header.Error.Trim());
        Assert.StartsWith("error: --body: cannot read '/no/such/file': ", file.Error, StringComparison.Ordinal);
        Assert.Equal("error: --tolerance: the github scheme signs no timestamp, so it has no tolerance", tolerance.Error.Trim());
    }

    [Fact]
    public async Task Verify_RealProcess_ExitCodesAreZeroAndOne()
    {
        var path = Path.Combine(_files.Path, "body.json");
        await File.WriteAllBytesAsync(path, Body);
        var headers = Sign("stripe", StripeSecret, Body).SelectMany(h => new[] { "--header", $"{h.Key}: {h.Value}" }).ToArray();

        var valid = await CliRunner.RunProcessAsync(NoEnvironment, ["verify", "--scheme", "stripe", "--secret", StripeSecret, "--body", "@" + path, .. headers]);
        var invalid = await CliRunner.RunProcessAsync(NoEnvironment, ["verify", "--scheme", "stripe", "--secret", "whsec_wrong", "--body", "@" + path, .. headers]);

        Assert.Equal(0, valid.ExitCode);
        Assert.StartsWith("valid: stripe signature verified", valid.Output, StringComparison.Ordinal);
        Assert.Equal(1, invalid.ExitCode);
        Assert.StartsWith("invalid: signature mismatch: ", invalid.Output, StringComparison.Ordinal);
        Assert.Equal("", invalid.Error.Trim());
    }

    private async Task<CliResult> VerifyAsync(string scheme, string secret, IEnumerable<KeyValuePair<string, string>> headers, byte[] body, params string[] extra)
    {
        var path = Path.Combine(_files.Path, Guid.NewGuid().ToString("N") + ".body");
        await File.WriteAllBytesAsync(path, body);
        var args = new List<string> { "verify", "--scheme", scheme, "--secret", secret, "--body", "@" + path };
        foreach (var (name, value) in headers)
        {
            args.Add("--header");
            args.Add($"{name}: {value}");
        }
        args.AddRange(extra);
        return await CliRunner.RunAsync(NoEnvironment, [.. args]);
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Sign(string type, string secret, byte[] body, DateTimeOffset? at = null) =>
        WebhookSigners.Create(type, new Dictionary<string, string?> { ["secret"] = secret }, new FakeTimeProvider(at ?? DateTimeOffset.UtcNow)).Sign(body);

    private static string FirstLine(CliResult result) => result.Output.ReplaceLineEndings("\n").Split('\n')[0];
}
