using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hookline.Cli.Infrastructure;
using Hookline.Signatures;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline verify</c>: checks a webhook request offline with Hookline.Signatures. Exit 0 when
/// valid, 1 with a one-line reason when not, and on a mismatch the likely causes it could confirm.
/// </summary>
internal static partial class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var scheme = new Option<string>("--scheme")
        {
            Description = $"The signature scheme: {string.Join(", ", WebhookVerifiers.KnownTypes.Where(t => t != "generic-webhook"))}",
            Required = true,
            HelpName = "name",
        };
        var secret = new Option<string>("--secret") { Description = "The signing secret (for discord and sendgrid: the public key)", Required = true, HelpName = "secret" };
        var headers = new Option<string[]>("--header", "-H") { Description = "A request header, 'Name: value' (repeat for each)", HelpName = "'Name: value'" };
        var body = new Option<string>("--body") { Description = "The raw body: @file, @- for standard input, or the text itself", Required = true, HelpName = "@file" };
        var tolerance = new Option<string?>("--tolerance") { Description = "Allowed clock difference, e.g. 5m or 300s [default: the scheme's]", HelpName = "duration" };
        var url = new Option<string?>("--url") { Description = "The URL the provider called (twilio and square sign it)", HelpName = "url" };
        var config = new Option<string[]>("--config") { Description = "Another config key of the scheme, key=value (e.g. for hmac: header=X-Signature)", HelpName = "key=value" };
        var explain = new Option<bool>("--explain") { Description = "Print the exact signed content and the expected signature" };

        var command = new Command("verify", "Verify a webhook request's signature offline, and say why it fails.");
        foreach (var option in new Option[] { scheme, secret, headers, body, tolerance, url, config, explain })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            var type = parse.GetValue(scheme)!;
            var info = WebhookVerifiers.Describe(type)
                ?? throw CliException.Usage($"--scheme: unknown scheme '{type}'; known: {string.Join(", ", WebhookVerifiers.KnownTypes)}");
            var request = new WebhookRequest(ParseHeaders(parse.GetValue(headers) ?? []), CliInput.ReadValue(parse.GetValue(body)!, "--body"), parse.GetValue(url));
            var settings = BuildConfig(info, parse.GetValue(secret)!, parse.GetValue(tolerance), parse.GetValue(config) ?? []);
            var check = new Check(info.Type, settings, request);
            var result = check.Run();
            var console = context.Console;
            if (result.IsValid)
            {
                var details = new List<string>();
                if (result.DeliveryId is { } id)
                {
                    details.Add($"delivery id {id}");
                }
                if (result.Timestamp is { } at)
                {
                    details.Add($"signed at {at.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}");
                }
                console.WriteLine($"valid: {info.Type} signature verified{(details.Count > 0 ? $" ({string.Join(", ", details)})" : "")}");
            }
            else
            {
                console.WriteLine($"invalid: {Reason(result, check.Config)}");
                foreach (var cause in LikelyCauses(check, result))
                {
                    console.WriteLine($"  likely cause: {cause}");
                }
            }
            if (parse.GetValue(explain))
            {
                Explain(console, check);
            }
            return result.IsValid ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>A request checked against one scheme and config.</summary>
    private sealed record Check(string Type, Dictionary<string, string?> Config, WebhookRequest Request)
    {
        public VerificationResult Run() => WebhookVerifiers.Verify(Type, Config, Request);

        public VerificationResult With(string? type = null, Dictionary<string, string?>? config = null, byte[]? body = null) =>
            WebhookVerifiers.Verify(type ?? Type, config ?? Config, body is null ? Request : new WebhookRequest(Request.Headers, body, Request.Url, Request.Method));
    }

    /// <summary><c>--header 'Name: value'</c> values, as headers.</summary>
    internal static WebhookHeaders ParseHeaders(string[] values)
    {
        var headers = new WebhookHeaders();
        foreach (var value in values)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? value[..colon].Trim() : "";
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127))
            {
                throw CliException.Usage($"--header: '{value}' is not 'Name: value'");
            }
            headers.Add(name, value[(colon + 1)..].Trim());
        }
        return headers;
    }

    private static Dictionary<string, string?> BuildConfig(WebhookSchemeInfo info, string secret, string? tolerance, string[] extra)
    {
        var keys = info.ConfigKeys.Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
        var config = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [SecretKey(info, signing: false)] = secret,
        };
        foreach (var (key, value) in ParseConfig(extra))
        {
            config[key] = value;
        }
        if (tolerance is not null)
        {
            if (!keys.Contains("toleranceSeconds"))
            {
                throw CliException.Usage($"--tolerance: the {info.Type} scheme signs no timestamp, so it has no tolerance");
            }
            var span = CliInput.ParseDuration(tolerance, "--tolerance");
            if (span < TimeSpan.FromSeconds(1))
            {
                throw CliException.Usage("--tolerance: at least one second");
            }
            config["toleranceSeconds"] = ((long)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        var errors = WebhookVerifiers.Validate(info.Type, config).Where(e => e.Key is not ("secret" or "publicKey" or "secretEncoding")).ToList();
        if (errors.Count > 0)
        {
            throw CliException.Usage(string.Join("; ", errors.Select(e => $"{e.Key}: {e.Message}")));
        }
        return config;
    }

    /// <summary>The config key <c>--secret</c> fills: <c>secret</c>, or for public-key schemes the key (private when signing).</summary>
    internal static string SecretKey(WebhookSchemeInfo info, bool signing) =>
        info.ConfigKeys.Any(k => k.Name == "secret") || info.ConfigKeys.All(k => k.Name != "publicKey") ? "secret"
        : signing ? "privateKey" : "publicKey";

    /// <summary><c>--config key=value</c> values, in order.</summary>
    internal static IEnumerable<KeyValuePair<string, string>> ParseConfig(string[] values)
    {
        foreach (var item in values)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw CliException.Usage($"--config: '{item}' is not key=value");
            }
            yield return new(item[..eq].Trim(), item[(eq + 1)..]);
        }
    }

    private static string Reason(VerificationResult result, Dictionary<string, string?> config)
    {
        var what = result.Failure switch
        {
            VerificationFailure.MissingHeader => "missing header",
            VerificationFailure.MalformedHeader => "malformed header",
            VerificationFailure.TimestampTooOld or VerificationFailure.TimestampInFuture => "timestamp outside the tolerance",
            VerificationFailure.NoMatchingSignature => "signature mismatch",
            VerificationFailure.InvalidSecret => "unusable secret",
            VerificationFailure.MalformedBody => "malformed body",
            VerificationFailure.BodyHashMismatch => "body hash mismatch",
            VerificationFailure.MissingUrl => "missing URL (pass --url)",
            _ => "invalid configuration",
        };
        var reason = $"{what}: {result.Message}";
        if (result.SkewSeconds is { } skew && ToleranceOf(result.Message, config) is { } limit)
        {
            var beyond = TimeSpan.FromSeconds(Math.Abs(skew) - limit);
            reason += $" Outside the tolerance by {CliInput.Describe(beyond)}.";
        }
        return reason;
    }

    private static long? ToleranceOf(string message, Dictionary<string, string?> config)
    {
        if (config.TryGetValue("toleranceSeconds", out var given) && long.TryParse(given, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds;
        }
        var match = ToleranceInMessage().Match(message);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"tolerance is (\d+) s")]
    private static partial Regex ToleranceInMessage();

    private static void Explain(CliConsole console, Check check)
    {
        console.WriteLine("");
        var explanation = WebhookVerifiers.Explain(check.Type, check.Config, check.Request);
        if (explanation is null)
        {
            console.WriteLine($"--explain: the {check.Type} scheme cannot show its signed content here (a public key, a compared token, signed form parameters, or an unusable secret).");
            return;
        }
        var content = explanation.SignedContent.Span;
        console.WriteLine($"Signature header: {explanation.Header} ({explanation.Algorithm})");
        console.WriteLine($"Received:         {string.Join(" | ", check.Request.Headers.GetValues(explanation.Header).DefaultIfEmpty("(absent)"))}");
        foreach (var expected in explanation.ExpectedSignatures)
        {
            console.WriteLine($"Expected:         {expected}");
        }
        if (explanation.Note is { } note)
        {
            console.WriteLine($"Note:             {note}");
        }
        if (System.Text.Unicode.Utf8.IsValid(content))
        {
            console.WriteLine($"Signed content ({content.Length} bytes, UTF-8, between the lines):");
            console.WriteLine("----");
            console.WriteLine(Encoding.UTF8.GetString(content));
            console.WriteLine("----");
        }
        else
        {
            console.WriteLine($"Signed content ({content.Length} bytes, not UTF-8, base64):");
            console.WriteLine(Convert.ToBase64String(content));
        }
    }
}
