namespace Hookline.Signatures;

/// <summary>A verifier type the registry knows: its name, what it checks, and its config keys.</summary>
/// <param name="Type">The type name, for example <c>stripe</c>.</param>
/// <param name="Description">What the scheme checks, in one sentence.</param>
/// <param name="ConfigKeys">The config keys it accepts.</param>
/// <param name="CanSign">Whether <see cref="WebhookSigners"/> can imitate the provider for this type.</param>
/// <param name="AliasOf">For an alias (<c>standard-webhooks</c>), the type it stands for.</param>
public sealed record WebhookSchemeInfo(string Type, string Description, IReadOnlyList<ConfigKeyInfo> ConfigKeys, bool CanSign, string? AliasOf = null);

/// <summary>One config key of a verifier type.</summary>
/// <param name="Name">The key, camelCase as in Svix Ingest source configs.</param>
/// <param name="Required">Whether it must be given.</param>
/// <param name="Description">What it means and its default.</param>
public sealed record ConfigKeyInfo(string Name, bool Required, string Description);
