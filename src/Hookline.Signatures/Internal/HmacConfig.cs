using Hookline.Signatures.Providers;

namespace Hookline.Signatures.Internal;

/// <summary>Config keys of the generic <c>hmac</c> type.</summary>
internal static class HmacConfig
{
    public static IReadOnlyList<ConfigKeyInfo> Keys { get; } =
    [
        new("secret", true, "The shared secret."),
        new("secretEncoding", false, "How the secret becomes key bytes: utf8, base64, hex or whsec. Default: utf8 (required when the secret starts with 'whsec_', which is ambiguous)."),
        new("header", true, "The header carrying the signature, e.g. X-Signature."),
        new("prefix", false, "Literal text before the signature in the header, e.g. 'sha256='. Default: none."),
        new("algorithm", false, "sha1, sha256 or sha512. Default: sha256."),
        new("encoding", false, "hex or base64. Default: hex."),
        new("template", false, "Signed content with {id}, {timestamp}, {url}, {method}, {body}, e.g. '{id}.{timestamp}.{body}'. Default: '{body}'."),
        new("idHeader", false, "Header holding the delivery id (for {id} and deduplication)."),
        new("timestampHeader", false, "Header holding Unix seconds (for {timestamp} and freshness)."),
        new("toleranceSeconds", false, "Allowed clock difference when timestampHeader is set. Default: 300."),
    ];

    public static HmacSchemeOptions? Read(ConfigReader c)
    {
        var secret = c.Secret();
        var explicitEncoding = c.Optional("secretEncoding") is not null;
        var secretEncoding = c.Choice("secretEncoding", SecretEncoding.Utf8, ("utf8", SecretEncoding.Utf8), ("base64", SecretEncoding.Base64), ("hex", SecretEncoding.Hex), ("whsec", SecretEncoding.Whsec));
        if (!explicitEncoding && secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            c.Error("secretEncoding", "The secret starts with 'whsec_': set secretEncoding to 'whsec' (base64 key after the prefix, as Standard Webhooks) or 'utf8' (the whole string, as Stripe).");
        }

        var header = c.Required("header", "signature header name");
        var prefix = c.Optional("prefix") ?? string.Empty;
        var algorithm = c.Choice("algorithm", HmacAlgorithm.Sha256, ("sha1", HmacAlgorithm.Sha1), ("sha256", HmacAlgorithm.Sha256), ("sha512", HmacAlgorithm.Sha512));
        var encoding = c.Choice("encoding", SignatureEncoding.Hex, ("hex", SignatureEncoding.Hex), ("base64", SignatureEncoding.Base64));
        var template = c.Optional("template") ?? "{body}";
        var idHeader = c.Optional("idHeader");
        var timestampHeader = c.Optional("timestampHeader");
        var tolerance = c.Tolerance(TimeSpan.FromMinutes(5))!.Value;
        if (!c.Ok)
        {
            return null;
        }

        var options = new HmacSchemeOptions
        {
            Secret = secret,
            SecretEncoding = secretEncoding,
            SignatureHeader = header,
            Prefix = prefix,
            Algorithm = algorithm,
            Encoding = encoding,
            Template = template,
            IdHeader = idHeader,
            TimestampHeader = timestampHeader,
            Tolerance = tolerance,
        };
        var errors = new List<ConfigurationError>();
        HmacWebhooks.Describe(options, errors);
        c.KeyBytes("secret", secret, secretEncoding);
        foreach (var error in errors)
        {
            c.Error(error.Key, error.Message);
        }

        return c.Ok ? options : null;
    }
}
