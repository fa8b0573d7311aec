using System.Globalization;

namespace Hookline.Signatures.Internal;

/// <summary>The failure results every scheme shares, worded once.</summary>
internal static class Failures
{
    public static VerificationResult MissingHeader(string header) =>
        VerificationResult.Fail(VerificationFailure.MissingHeader, $"Header '{header}' is missing.", header);

    public static VerificationResult AmbiguousHeader(string header) =>
        VerificationResult.Fail(VerificationFailure.MalformedHeader, $"Header '{header}' appears more than once with different values.", header);

    public static VerificationResult MalformedHeader(string header, string why) =>
        VerificationResult.Fail(VerificationFailure.MalformedHeader, $"Header '{header}' is malformed: {why}", header);

    public static VerificationResult NoMatch(string header, int tried) => tried switch
    {
        0 => VerificationResult.Fail(VerificationFailure.NoMatchingSignature, $"Header '{header}' holds no signature this verifier can check.", header),
        1 => VerificationResult.Fail(VerificationFailure.NoMatchingSignature, $"The signature in '{header}' does not match (wrong secret, or the body was changed after signing).", header, 1),
        _ => VerificationResult.Fail(VerificationFailure.NoMatchingSignature, string.Create(CultureInfo.InvariantCulture, $"None of the {tried} signatures in '{header}' matches (wrong secret, or the body was changed after signing)."), header, tried),
    };

    public static VerificationResult MissingUrl(string scheme) =>
        VerificationResult.Fail(VerificationFailure.MissingUrl, $"{scheme} signs the request URL, but no URL was given to the verifier (pass the public URL the provider called).");

    public static VerificationResult MalformedBody(string why) =>
        VerificationResult.Fail(VerificationFailure.MalformedBody, why);

    /// <summary>
    /// Looks a header up; on failure returns the result to hand back, otherwise null and the value.
    /// </summary>
    public static VerificationResult? Require(WebhookHeaders headers, string name, out string value) => headers.Lookup(name, out value) switch
    {
        HeaderLookup.Found => null,
        HeaderLookup.Missing => MissingHeader(name),
        _ => AmbiguousHeader(name),
    };

    /// <summary>Like the single-name overload, trying <paramref name="alias"/> when <paramref name="name"/> is absent.</summary>
    public static VerificationResult? Require(WebhookHeaders headers, string name, string alias, out string value, out string used)
    {
        used = name;
        var lookup = headers.Lookup(name, out value);
        if (lookup == HeaderLookup.Missing)
        {
            used = alias;
            lookup = headers.Lookup(alias, out value);
            if (lookup == HeaderLookup.Missing)
            {
                return MissingHeader(name);
            }
        }

        return lookup == HeaderLookup.Found ? null : AmbiguousHeader(used);
    }

    /// <summary>The first value of an optional header (for delivery ids); null when absent or empty.</summary>
    public static string? Optional(WebhookHeaders headers, string name) =>
        headers.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
