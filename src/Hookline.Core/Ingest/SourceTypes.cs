using System.Collections.Frozen;
using Hookline.Signatures;

namespace Hookline.Core.Ingest;

/// <summary>
/// Source type names. A source's type is a <see cref="WebhookVerifiers"/> type (<c>stripe</c>,
/// <c>github</c>, <c>twilio</c>, …) or one of the Svix Ingest names for providers that sign with
/// Svix (Standard Webhooks): Clerk, Resend, Brex, … — those take Svix's <c>{"secret": "whsec_…"}</c>
/// config and are verified by the <c>svix</c> verifier.
/// </summary>
public static class SourceTypes
{
    /// <summary>Svix Ingest source types whose config is Svix's <c>SvixConfig</c>: providers that send Svix-signed webhooks.</summary>
    public static readonly FrozenSet<string> SvixSigned = new[]
    {
        "beehiiv", "brex", "clerk", "guesty", "incident-io", "lithic", "nash", "open-ai", "pleo", "psi-fi",
        "render", "replicate", "resend", "safebase", "sardine", "stych",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The verifier type that checks requests for a source of <paramref name="sourceType"/>.</summary>
    public static string VerifierType(string sourceType) => SvixSigned.Contains(sourceType) ? "svix" : sourceType;

    /// <summary>
    /// The canonical spelling of a source type (lower case, as Svix and <see cref="WebhookVerifiers"/>
    /// name it), or null when neither knows it.
    /// </summary>
    public static string? Canonical(string? sourceType)
    {
        if (string.IsNullOrEmpty(sourceType))
        {
            return null;
        }
        if (SvixSigned.TryGetValue(sourceType, out var svix))
        {
            return svix;
        }
        return WebhookVerifiers.Describe(sourceType)?.Type;
    }

    /// <summary>Every type a source may have: the verifier types and the Svix-signed provider names.</summary>
    public static IReadOnlyList<string> All { get; } = [.. WebhookVerifiers.KnownTypes, .. SvixSigned.Order(StringComparer.Ordinal)];
}
