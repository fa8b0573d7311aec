using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hookline.Signatures;

namespace Hookline.Cli.Commands;

/// <summary><c>hookline verify</c>: the likely causes of a failure, each confirmed by making the request verify.</summary>
internal static partial class VerifyCommand
{
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
}
