namespace Hookline.Signatures.Internal;

/// <summary>Shared checks on secrets given as plain strings.</summary>
internal static class SecretRules
{
    /// <summary>Null when <paramref name="secret"/> is usable as a raw shared secret, otherwise why not.</summary>
    public static string? CheckRaw(string? secret, string what)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return $"The {what} is required and must not be empty.";
        }

        if (char.IsWhiteSpace(secret[0]) || char.IsWhiteSpace(secret[^1]))
        {
            return $"The {what} has leading or trailing whitespace (a copy-paste accident?); remove it.";
        }

        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an unusable secret (typed factory methods).</summary>
    public static string Require(string? secret, string what, string paramName)
    {
        if (CheckRaw(secret, what) is { } error)
        {
            throw new ArgumentException(error, paramName);
        }

        return secret!;
    }

    /// <summary>
    /// Rejects a Standard Webhooks secret where the provider's own secret format is expected: the
    /// usual sign of a source configured with the wrong secret.
    /// </summary>
    public static string? RejectWhsec(string secret, string provider) =>
        secret.StartsWith("whsec_", StringComparison.Ordinal)
            ? $"This looks like a Standard Webhooks/Svix secret ('whsec_…'); {provider} uses its own secret, given exactly as {provider} shows it."
            : null;
}
