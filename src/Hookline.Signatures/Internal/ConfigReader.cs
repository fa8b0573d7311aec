using System.Globalization;
using Hookline.Signatures.Providers;

namespace Hookline.Signatures.Internal;

/// <summary>
/// Reads a verifier config dictionary, collecting every problem as a <see cref="ConfigurationError"/>
/// instead of throwing, so the gateway can answer 422 with all reasons at once.
/// </summary>
internal sealed class ConfigReader
{
    private readonly IReadOnlyDictionary<string, string?> _config;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public ConfigReader(IReadOnlyDictionary<string, string?> config) => _config = config;

    public List<ConfigurationError> Errors { get; } = [];

    public bool Ok => Errors.Count == 0;

    public void Error(string key, string message) => Errors.Add(new ConfigurationError(key, message));

    public string? Optional(string key)
    {
        _read.Add(key);
        return _config.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value : null;
    }

    /// <summary>A required secret: present, not blank, no stray whitespace (a copy-paste accident).</summary>
    public string Secret(string key = "secret", string what = "secret")
    {
        var value = Optional(key);
        if (SecretRules.CheckRaw(value, what) is { } error)
        {
            Error(key, error);
            return string.Empty;
        }

        return value!;
    }

    public string Required(string key, string what)
    {
        var value = Optional(key);
        if (string.IsNullOrWhiteSpace(value))
        {
            Error(key, $"The {what} is required.");
            return string.Empty;
        }

        return value;
    }

    /// <summary><c>toleranceSeconds</c>: a positive whole number of seconds; the default when absent.</summary>
    public TimeSpan? Tolerance(TimeSpan? @default)
    {
        var text = Optional("toleranceSeconds");
        if (text is null)
        {
            return @default;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 86_400 * 7)
        {
            Error("toleranceSeconds", "Must be a whole number of seconds between 1 and 604800.");
            return @default;
        }

        return TimeSpan.FromSeconds(seconds);
    }

    public bool Bool(string key, bool @default)
    {
        var text = Optional(key);
        if (text is null)
        {
            return @default;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Error(key, "Must be 'true' or 'false'.");
        return @default;
    }

    public T Choice<T>(string key, T @default, params (string Name, T Value)[] choices)
    {
        var text = Optional(key);
        if (text is null)
        {
            return @default;
        }

        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        Error(key, $"Must be one of: {string.Join(", ", choices.Select(c => c.Name))}.");
        return @default;
    }

    /// <summary>Reports keys nobody asked for: a misspelt key must not silently leave a default in force.</summary>
    public void RejectUnknownKeys(IReadOnlyList<ConfigKeyInfo> known)
    {
        foreach (var key in _config.Keys)
        {
            if (!_read.Contains(key))
            {
                Error(key, known.Count == 0
                    ? "Unknown config key; this type takes no configuration."
                    : $"Unknown config key; known keys are: {string.Join(", ", known.Select(k => k.Name))}.");
            }
        }
    }

    /// <summary>Converts a secret string to HMAC key bytes as configured.</summary>
    public byte[] KeyBytes(string key, string secret, SecretEncoding encoding)
    {
        if (secret.Length == 0)
        {
            return [];
        }

        byte[]? bytes = encoding switch
        {
            SecretEncoding.Utf8 => System.Text.Encoding.UTF8.GetBytes(secret),
            SecretEncoding.Base64 => Codec.DecodeBase64OrNull(secret),
            SecretEncoding.Hex => Codec.DecodeHexOrNull(secret),
            _ => secret.StartsWith("whsec_", StringComparison.Ordinal) ? Codec.DecodeBase64OrNull(secret[6..]) : null,
        };
        if (bytes is null || bytes.Length == 0)
        {
            Error(key, encoding switch
            {
                SecretEncoding.Base64 => "The secret is not valid standard base64 (secretEncoding is 'base64').",
                SecretEncoding.Hex => "The secret is not valid hex (secretEncoding is 'hex').",
                _ => "The secret must be 'whsec_' followed by standard base64 (secretEncoding is 'whsec').",
            });
            return [];
        }

        return bytes;
    }
}
