using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
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

    private static WebhookHeaders ParseHeaders(string[] values)
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
            [keys.Contains("secret") || !keys.Contains("publicKey") ? "secret" : "publicKey"] = secret,
        };
        foreach (var item in extra)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw CliException.Usage($"--config: '{item}' is not key=value");
            }
            config[item[..eq].Trim()] = item[(eq + 1)..];
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

    /// <summary>
    /// The causes of a failure this tool can confirm by trying: the body re-serialised, the secret
    /// with another prefix or encoding, another scheme. Only causes that make the request verify
    /// are reported; when none does, it says so.
    /// </summary>
    private static IEnumerable<string> LikelyCauses(Check check, VerificationResult result)
    {
        if (result.Failure is not (VerificationFailure.NoMatchingSignature or VerificationFailure.InvalidSecret
            or VerificationFailure.MissingHeader or VerificationFailure.MalformedHeader or VerificationFailure.BodyHashMismatch))
        {
            yield break;
        }
        var found = false;
        if (result.Failure is VerificationFailure.NoMatchingSignature or VerificationFailure.BodyHashMismatch)
        {
            foreach (var (description, body) in BodyVariants(check.Request.Body.ToArray()))
            {
                if (check.With(body: body).IsValid)
                {
                    found = true;
                    yield return $"the body was re-serialised: the signature matches the body {description}. Verify the raw bytes as received, before any JSON parsing or formatting.";
                    break;
                }
            }
        }
        if (result.Failure is VerificationFailure.NoMatchingSignature or VerificationFailure.InvalidSecret)
        {
            var key = check.Config.ContainsKey("secret") ? "secret" : "publicKey";
            foreach (var (description, value) in SecretVariants(check.Config[key] ?? ""))
            {
                var config = new Dictionary<string, string?>(check.Config) { [key] = value };
                if (check.With(config: config).IsValid)
                {
                    found = true;
                    yield return $"the secret has the wrong prefix or encoding: it verifies with the secret {description}.";
                    break;
                }
            }
        }
        var others = new List<string>();
        var lookAlike = new List<string>();
        foreach (var type in WebhookVerifiers.KnownTypes)
        {
            var info = WebhookVerifiers.Describe(type)!;
            if (type == "generic-webhook" || info.AliasOf is not null || type == check.Type || WebhookVerifiers.Describe(check.Type)?.AliasOf == type)
            {
                continue;
            }
            var names = info.ConfigKeys.Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
            var config = new Dictionary<string, string?> { [names.Contains("secret") ? "secret" : "publicKey"] = check.Config.GetValueOrDefault("secret") ?? check.Config.GetValueOrDefault("publicKey") };
            if (check.Config.TryGetValue("toleranceSeconds", out var tolerance) && names.Contains("toleranceSeconds"))
            {
                config["toleranceSeconds"] = tolerance;
            }
            var other = check.With(type: type, config: config);
            if (other.IsValid)
            {
                others.Add(type);
            }
            else if (other.Failure is VerificationFailure.NoMatchingSignature or VerificationFailure.TimestampTooOld or VerificationFailure.TimestampInFuture)
            {
                lookAlike.Add(type);
            }
        }
        if (others.Count > 0)
        {
            found = true;
            yield return $"the wrong scheme was chosen: the request verifies as {string.Join(" and ", others.Select(o => $"'{o}'"))} (--scheme {others[0]}).";
        }
        else if (result.Failure == VerificationFailure.MissingHeader && lookAlike.Count > 0)
        {
            found = true;
            yield return $"the wrong scheme may have been chosen: the headers look like {string.Join(" or ", lookAlike.Select(o => $"'{o}'"))}.";
        }
        if (!found && result.Failure == VerificationFailure.NoMatchingSignature)
        {
            yield return "none of the causes that can be tested (a re-serialised body, the secret's prefix or encoding, another scheme) explains it: the secret is probably not the one the request was signed with, or the body was changed.";
        }
    }

    private static IEnumerable<(string Description, byte[] Body)> BodyVariants(byte[] body)
    {
        if (body.Length > 0 && body[^1] == (byte)'\n')
        {
            yield return ("without its trailing newline", body[..^1]);
        }
        else
        {
            yield return ("with a trailing newline", [.. body, (byte)'\n']);
        }
        var text = Encoding.UTF8.GetString(body);
        if (text.Contains("\r\n", StringComparison.Ordinal))
        {
            yield return ("with LF line ends instead of CRLF", Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal)));
        }
        else if (text.Contains('\n', StringComparison.Ordinal))
        {
            yield return ("with CRLF line ends instead of LF", Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal)));
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            yield break;
        }
        using (document)
        {
            foreach (var sorted in new[] { false, true })
            {
                foreach (var indent in new[] { 0, 2, 4 })
                {
                    var description = (indent, sorted) switch
                    {
                        (0, false) => "without whitespace (compact JSON)",
                        (0, true) => "with its keys in another order (compact JSON)",
                        (_, false) => $"indented by {indent} spaces",
                        (_, true) => $"with its keys in another order, indented by {indent} spaces",
                    };
                    var variant = Serialize(document.RootElement, indent, sorted);
                    if (!variant.AsSpan().SequenceEqual(body))
                    {
                        yield return (description, variant);
                    }
                    if (sorted)
                    {
                        // Key order changed: the signer may have sorted them or kept its own order; try the reverse too.
                        var reversed = Serialize(document.RootElement, indent, sorted: true, descending: true);
                        if (!reversed.AsSpan().SequenceEqual(body))
                        {
                            yield return (description, reversed);
                        }
                    }
                }
            }
        }
    }

    private static byte[] Serialize(JsonElement element, int indent, bool sorted, bool descending = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = indent > 0,
            IndentSize = Math.Max(indent, 1),
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            Write(writer, element, sorted, descending);
        }
        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, bool sorted, bool descending)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var properties = element.EnumerateObject().ToList();
                if (sorted)
                {
                    properties = descending
                        ? [.. properties.OrderByDescending(p => p.Name, StringComparer.Ordinal)]
                        : [.. properties.OrderBy(p => p.Name, StringComparer.Ordinal)];
                }
                foreach (var property in properties)
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, sorted, descending);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, sorted, descending);
                }
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static IEnumerable<(string Description, string Secret)> SecretVariants(string secret)
    {
        const string Prefix = "whsec_";
        if (secret.Trim() != secret)
        {
            yield return ("without its surrounding whitespace", secret.Trim());
        }
        var trimmed = secret.Trim();
        if (trimmed.StartsWith(Prefix, StringComparison.Ordinal))
        {
            yield return ($"without the '{Prefix}' prefix", trimmed[Prefix.Length..]);
        }
        else
        {
            yield return ($"with the '{Prefix}' prefix", Prefix + trimmed);
        }
        foreach (var candidate in new[] { trimmed, trimmed.StartsWith(Prefix, StringComparison.Ordinal) ? trimmed[Prefix.Length..] : null })
        {
            if (candidate is null)
            {
                continue;
            }
            var decoded = TryBase64Text(candidate);
            if (decoded is not null)
            {
                yield return ("base64-decoded", decoded);
                if (!decoded.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    yield return ($"base64-decoded, with the '{Prefix}' prefix", Prefix + decoded);
                }
            }
        }
        // A raw key given where a Standard Webhooks secret (base64 after whsec_) is expected.
        if (!trimmed.StartsWith(Prefix, StringComparison.Ordinal))
        {
            yield return ($"base64-encoded, with the '{Prefix}' prefix", Prefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(trimmed)));
        }
    }

    private static string? TryBase64Text(string value)
    {
        var buffer = new byte[value.Length];
        if (!Convert.TryFromBase64String(value, buffer, out var written) || written == 0)
        {
            return null;
        }
        var bytes = buffer.AsSpan(0, written);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(bytes);
        return text.All(c => c >= ' ' && c < 127) ? text : null;
    }

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
