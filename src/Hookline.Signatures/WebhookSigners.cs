using System.Diagnostics.CodeAnalysis;
using Hookline.Signatures.Internal;

namespace Hookline.Signatures;

/// <summary>
/// Creates signers that imitate a provider, by the same type names and config keys as
/// <see cref="WebhookVerifiers"/> (public-key schemes take <c>privateKey</c> instead of <c>publicKey</c>).
/// For tests and developer tools.
/// </summary>
public static class WebhookSigners
{
    /// <summary>The types that can be signed.</summary>
    public static IReadOnlyList<string> KnownTypes { get; } = SchemeRegistry.Entries.Where(e => e.Signer is not null).Select(e => e.Info.Type).ToArray();

    /// <summary>Creates a signer, or reports why it cannot.</summary>
    /// <param name="type">The type name (case-insensitive).</param>
    /// <param name="config">The config keys and values.</param>
    /// <param name="timeProvider">The clock for timestamps.</param>
    /// <param name="signer">The signer, when the configuration is valid.</param>
    /// <param name="errors">The problems found.</param>
    /// <returns><see langword="true"/> when a signer was created.</returns>
    public static bool TryCreate(
        string? type,
        IReadOnlyDictionary<string, string?>? config,
        TimeProvider? timeProvider,
        [NotNullWhen(true)] out IWebhookSigner? signer,
        out IReadOnlyList<ConfigurationError> errors)
    {
        signer = null;
        var entry = SchemeRegistry.Find(type);
        if (entry is null)
        {
            errors = [WebhookVerifiers.UnknownType(type)];
            return false;
        }

        if (entry.Signer is null)
        {
            errors = [new("type", $"'{entry.Info.Type}' has no signer (its provider signs data inside the body, or it has no signature).")];
            return false;
        }

        var reader = new ConfigReader(config ?? new Dictionary<string, string?>());
        var create = entry.Signer(reader, timeProvider);
        var keys = entry.Info.ConfigKeys.Select(k => k.Name == "publicKey" ? new ConfigKeyInfo("privateKey", true, "The private key.") : k).ToList();
        reader.RejectUnknownKeys(keys);
        if (!reader.Ok || create is null)
        {
            errors = reader.Errors;
            return false;
        }

        signer = create();
        errors = [];
        return true;
    }

    /// <summary>Creates a signer.</summary>
    /// <param name="type">The type name.</param>
    /// <param name="config">The config keys and values.</param>
    /// <param name="timeProvider">The clock for timestamps.</param>
    /// <returns>The signer.</returns>
    /// <exception cref="WebhookConfigurationException">The type is unknown, cannot sign, or the configuration is invalid.</exception>
    public static IWebhookSigner Create(string type, IReadOnlyDictionary<string, string?>? config, TimeProvider? timeProvider = null) =>
        TryCreate(type, config, timeProvider, out var signer, out var errors) ? signer : throw new WebhookConfigurationException(errors);
}
