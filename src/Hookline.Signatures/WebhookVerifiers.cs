using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures;

/// <summary>
/// Creates verifiers by type name and config, as stored on an inbound source (Svix Ingest style:
/// <c>{"type": "stripe", "config": {"secret": "whsec_…"}}</c>). Validation returns messages; it
/// never throws for bad input.
/// </summary>
public static class WebhookVerifiers
{
    private static readonly IReadOnlyList<string> Names = SchemeRegistry.Entries.Select(e => e.Info.Type).ToArray();

    private static readonly IReadOnlyList<WebhookSchemeInfo> Infos = SchemeRegistry.Entries.Select(e => e.Info).ToArray();

    /// <summary>Every type name, including aliases: <c>generic-webhook</c>, <c>svix</c>, <c>standard-webhooks</c>, <c>stripe</c>, …</summary>
    public static IReadOnlyList<string> KnownTypes => Names;

    /// <summary>Every type with its description and config keys.</summary>
    public static IReadOnlyList<WebhookSchemeInfo> Schemes => Infos;

    /// <summary>Whether <paramref name="type"/> names a known verifier type (case-insensitive).</summary>
    /// <param name="type">The type name.</param>
    /// <returns><see langword="true"/> when known.</returns>
    public static bool IsKnownType(string? type) => SchemeRegistry.Find(type) is not null;

    /// <summary>Describes one type, or <see langword="null"/> when unknown.</summary>
    /// <param name="type">The type name.</param>
    /// <returns>The description.</returns>
    public static WebhookSchemeInfo? Describe(string? type) => SchemeRegistry.Find(type)?.Info;

    /// <summary>Checks a configuration without creating anything.</summary>
    /// <param name="type">The type name.</param>
    /// <param name="config">The config keys and values.</param>
    /// <returns>Every problem found; empty when the configuration is valid.</returns>
    public static IReadOnlyList<ConfigurationError> Validate(string? type, IReadOnlyDictionary<string, string?>? config)
    {
        TryCreate(type, config, null, out _, out var errors);
        return errors;
    }

    /// <summary>Creates a verifier, or reports why it cannot.</summary>
    /// <param name="type">The type name (case-insensitive).</param>
    /// <param name="config">The config keys and values; <see langword="null"/> is an empty config.</param>
    /// <param name="timeProvider">The clock for timestamp checks; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="verifier">The verifier, when the configuration is valid.</param>
    /// <param name="errors">The problems found (empty on success).</param>
    /// <returns><see langword="true"/> when a verifier was created.</returns>
    public static bool TryCreate(
        string? type,
        IReadOnlyDictionary<string, string?>? config,
        TimeProvider? timeProvider,
        [NotNullWhen(true)] out IWebhookVerifier? verifier,
        out IReadOnlyList<ConfigurationError> errors)
    {
        verifier = null;
        var entry = SchemeRegistry.Find(type);
        if (entry is null)
        {
            errors = [UnknownType(type)];
            return false;
        }

        var reader = new ConfigReader(config ?? new Dictionary<string, string?>());
        var create = entry.Verifier(reader, timeProvider);
        reader.RejectUnknownKeys(entry.Info.ConfigKeys);
        if (!reader.Ok || create is null)
        {
            errors = reader.Errors;
            return false;
        }

        verifier = create();
        errors = [];
        return true;
    }

    /// <summary>Creates a verifier.</summary>
    /// <param name="type">The type name (case-insensitive).</param>
    /// <param name="config">The config keys and values.</param>
    /// <param name="timeProvider">The clock for timestamp checks; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The verifier.</returns>
    /// <exception cref="WebhookConfigurationException">The type is unknown or the configuration is invalid.</exception>
    public static IWebhookVerifier Create(string type, IReadOnlyDictionary<string, string?>? config, TimeProvider? timeProvider = null) =>
        TryCreate(type, config, timeProvider, out var verifier, out var errors) ? verifier : throw new WebhookConfigurationException(errors);

    /// <summary>Creates a verifier from a JSON config object such as Svix Ingest's source <c>config</c>.</summary>
    /// <param name="type">The type name.</param>
    /// <param name="config">A JSON object whose values are strings, numbers or booleans.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The verifier.</returns>
    /// <exception cref="WebhookConfigurationException">The type is unknown or the configuration is invalid.</exception>
    public static IWebhookVerifier Create(string type, JsonElement config, TimeProvider? timeProvider = null)
    {
        var (dictionary, errors) = FromJson(config);
        return errors.Count > 0 ? throw new WebhookConfigurationException(errors) : Create(type, dictionary, timeProvider);
    }

    /// <summary>Converts a JSON config object to the dictionary form, reporting values that are objects or arrays.</summary>
    /// <param name="config">The JSON object (or null/undefined for an empty config).</param>
    /// <returns>The dictionary and any problems.</returns>
    public static (IReadOnlyDictionary<string, string?> Config, IReadOnlyList<ConfigurationError> Errors) FromJson(JsonElement config)
    {
        var dictionary = new Dictionary<string, string?>(StringComparer.Ordinal);
        var errors = new List<ConfigurationError>();
        if (config.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (dictionary, errors);
        }

        if (config.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("config", "The config must be a JSON object."));
            return (dictionary, errors);
        }

        foreach (var property in config.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    dictionary[property.Name] = property.Value.GetString();
                    break;
                case JsonValueKind.Number:
                case JsonValueKind.True:
                case JsonValueKind.False:
                    dictionary[property.Name] = property.Value.GetRawText();
                    break;
                case JsonValueKind.Null:
                    dictionary[property.Name] = null;
                    break;
                default:
                    errors.Add(new(property.Name, "Must be a string, number or boolean."));
                    break;
            }
        }

        return (dictionary, errors);
    }

    /// <summary>Checks a request against a type and config in one call, turning a bad configuration into a failed result (for tools such as <c>verify --explain</c>).</summary>
    /// <param name="type">The type name.</param>
    /// <param name="config">The config.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The outcome; <see cref="VerificationFailure.InvalidSecret"/> or <see cref="VerificationFailure.InvalidConfiguration"/> when the configuration is unusable.</returns>
    public static VerificationResult Verify(string type, IReadOnlyDictionary<string, string?>? config, WebhookRequest request, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (TryCreate(type, config, timeProvider, out var verifier, out var errors))
        {
            return verifier.Verify(request);
        }

        var secretError = errors.FirstOrDefault(e => e.Key is "secret" or "publicKey" or "secretEncoding");
        return secretError is not null
            ? VerificationResult.Fail(VerificationFailure.InvalidSecret, $"{secretError.Key}: {secretError.Message}")
            : VerificationResult.Fail(VerificationFailure.InvalidConfiguration, string.Join(" ", errors.Select(e => $"{e.Key}: {e.Message}")));
    }

    /// <summary>
    /// Shows what the scheme signs for <paramref name="request"/> and the signature the configured
    /// secret gives for it, for tools that explain a mismatch. Returns <see langword="null"/> when the
    /// configuration is unusable or the scheme cannot show it (public-key schemes such as Discord and
    /// SendGrid, and schemes that compare a token or sign form parameters: GitLab, Twilio, Mailgun).
    /// </summary>
    /// <param name="type">The type name.</param>
    /// <param name="config">The config.</param>
    /// <param name="request">The request.</param>
    /// <returns>The explanation, or <see langword="null"/>.</returns>
    public static SignatureExplanation? Explain(string type, IReadOnlyDictionary<string, string?>? config, WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TryCreate(type, config, null, out var verifier, out _) && verifier is IExplainingVerifier explaining
            ? explaining.Explain(request)
            : null;
    }

    internal static ConfigurationError UnknownType(string? type) => new(
        "type",
        string.IsNullOrEmpty(type)
            ? $"A verifier type is required; known types: {string.Join(", ", Names)}."
            : $"Unknown verifier type '{type}'; known types: {string.Join(", ", Names)}.");
}
