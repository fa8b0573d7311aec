using Hookline.Signatures.Internal;

namespace Hookline.Signatures.Providers;

/// <summary>A generic, configurable HMAC scheme (verifier type <c>hmac</c>) for providers without a dedicated type.</summary>
public static class HmacWebhooks
{
    /// <summary>Creates a verifier.</summary>
    /// <param name="options">The scheme description.</param>
    /// <param name="timeProvider">The clock, used when a timestamp header is configured.</param>
    /// <returns>The verifier.</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message says why.</exception>
    public static IWebhookVerifier CreateVerifier(HmacSchemeOptions options, TimeProvider? timeProvider = null)
    {
        var (scheme, key) = Build(options);
        return new HmacSchemeVerifier(scheme, key, timeProvider);
    }

    /// <summary>Creates a signer.</summary>
    /// <param name="options">The scheme description.</param>
    /// <param name="timeProvider">The clock for the timestamp header.</param>
    /// <returns>The signer.</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message says why.</exception>
    public static IWebhookSigner CreateSigner(HmacSchemeOptions options, TimeProvider? timeProvider = null)
    {
        var (scheme, key) = Build(options);
        return new HmacSchemeSigner(scheme, key, timeProvider);
    }

    internal static (HmacScheme Scheme, byte[] Key) Build(HmacSchemeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<ConfigurationError>();
        var scheme = Describe(options, errors);
        byte[] key = [];
        if (SecretRules.CheckRaw(options.Secret, "secret") is { } secretError)
        {
            errors.Add(new("secret", secretError));
        }
        else
        {
            var reader = new ConfigReader(new Dictionary<string, string?>());
            key = reader.KeyBytes("secret", options.Secret, options.SecretEncoding);
            errors.AddRange(reader.Errors);
        }

        return errors.Count > 0 || scheme is null
            ? throw new ArgumentException(string.Join(" ", errors.Select(e => $"{e.Key}: {e.Message}")), nameof(options))
            : (scheme, key);
    }

    /// <summary>Validates the options and builds the scheme; problems go to <paramref name="errors"/>.</summary>
    internal static HmacScheme? Describe(HmacSchemeOptions options, List<ConfigurationError> errors)
    {
        if (string.IsNullOrWhiteSpace(options.SignatureHeader))
        {
            errors.Add(new("header", "The signature header name is required."));
        }

        var template = SignedTemplate.Parse(options.Template ?? string.Empty, out var templateError);
        if (templateError is not null)
        {
            errors.Add(new("template", templateError));
        }

        if (template.UsesId && string.IsNullOrWhiteSpace(options.IdHeader))
        {
            errors.Add(new("idHeader", "The template uses {id}, so idHeader is required."));
        }

        if (template.UsesTimestamp && string.IsNullOrWhiteSpace(options.TimestampHeader))
        {
            errors.Add(new("timestampHeader", "The template uses {timestamp}, so timestampHeader is required."));
        }

        if (!string.IsNullOrEmpty(options.TimestampHeader) && !template.UsesTimestamp)
        {
            // A timestamp outside the signed content can be changed by anyone: checking its
            // freshness would be theatre, so refuse rather than pretend.
            errors.Add(new("template", "timestampHeader is set but the template does not sign {timestamp}."));
        }

        if (options.Tolerance <= TimeSpan.Zero)
        {
            errors.Add(new("toleranceSeconds", "The tolerance must be positive."));
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var idHeader = string.IsNullOrWhiteSpace(options.IdHeader) ? null : options.IdHeader;
        return new HmacScheme
        {
            Type = "hmac",
            Provider = "This source",
            SignatureHeader = options.SignatureHeader,
            Prefix = options.Prefix ?? string.Empty,
            Algorithm = options.Algorithm,
            Encoding = options.Encoding,
            Template = template,
            IdHeader = idHeader,
            TimestampHeader = string.IsNullOrWhiteSpace(options.TimestampHeader) ? null : options.TimestampHeader,
            Tolerance = options.Tolerance,
            DeliveryId = idHeader is null ? null : request => Failures.Optional(request.Headers, idHeader),
        };
    }
}
