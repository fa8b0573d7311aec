using System.Buffers;
using Hookline.Server.Api;

namespace Hookline.Server.Endpoints;

/// <summary>
/// Rules for an endpoint's custom headers, after Svix: hop-by-hop and body-describing headers, the
/// signature headers and cloud-provider prefixes cannot be set; credentials are write-only (a read
/// lists their names under <c>sensitive</c> instead of returning their values).
/// </summary>
internal static class EndpointHeaderRules
{
    public const int MaxValueLength = 4096;

    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "user-agent", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
        "transfer-encoding", "upgrade", "age", "cache-control", "clear-site-data", "expires", "pragma",
        "warning", "content-length", "content-type", "content-encoding", "content-language",
        "content-location", "host", "connection",
        // Hookline signs with these; a custom value would break verification.
        "webhook-id", "webhook-timestamp", "webhook-signature",
    };

    private static readonly string[] ForbiddenPrefixes =
        ["x-amz-", "x-amzn-", "x-google", "x-goog-", "x-gfe", "x-azure-", "x-fd-", "x-svix-", "svix-", "x-hookline-"];

    /// <summary>Svix's list (authorization, proxy and www authentication, x-auth-token) plus cookies and API-key headers.</summary>
    private static readonly HashSet<string> Sensitive = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate", "x-auth-token",
        "cookie", "x-api-key", "api-key", "apikey", "x-api-token", "x-access-token",
    };

    // RFC 9110 token characters.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    public static bool IsSensitive(string name) => Sensitive.Contains(name);

    public static void Validate(Validation v, ReadOnlySpan<string> loc, IReadOnlyDictionary<string, string?> headers, bool allowNullValues)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            string[] at = [.. loc, name];
            if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(TokenChars))
            {
                v.Add(at, "Invalid Header Name.", "value_error.header");
                continue;
            }
            if (!seen.Add(name))
            {
                v.Add(at, "The header is given twice (header names are case-insensitive).", "value_error.header");
            }
            if (Forbidden.Contains(name))
            {
                v.Add(at, "Header uses a forbidden key.", "value_error.header");
            }
            else if (ForbiddenPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                v.Add(at, "Header starts with a forbidden prefix.", "value_error.header");
            }
            if (value is null)
            {
                if (!allowNullValues)
                {
                    v.Add(at, "none is not an allowed value", "type_error.none.not_allowed");
                }
            }
            else if (value.Length > MaxValueLength)
            {
                v.Add(at, $"Maximum header length is {MaxValueLength} bytes", "value_error.header");
            }
            else if (!IsValidValue(value))
            {
                v.Add(at, "Invalid Header Value: use visible ASCII characters, spaces and tabs.", "value_error.header");
            }
        }
    }

    /// <summary>Visible ASCII, space and tab: what every HTTP client sends unchanged.</summary>
    private static bool IsValidValue(string value)
    {
        foreach (var c in value)
        {
            if (c != '\t' && (c < ' ' || c > '~'))
            {
                return false;
            }
        }
        return true;
    }

    public static EndpointHeadersOut ToOut(IReadOnlyDictionary<string, string> headers)
    {
        var visible = new Dictionary<string, string>(StringComparer.Ordinal);
        var sensitive = new List<string>();
        foreach (var (name, value) in headers)
        {
            if (IsSensitive(name))
            {
                sensitive.Add(name);
            }
            else
            {
                visible[name] = value;
            }
        }
        return new EndpointHeadersOut(visible, sensitive);
    }

    /// <summary>Replaces all headers.</summary>
    public static Dictionary<string, string> Replace(IReadOnlyDictionary<string, string?> headers) =>
        headers.Where(h => h.Value is not null).ToDictionary(h => h.Key, h => h.Value!, StringComparer.OrdinalIgnoreCase);

    /// <summary>Sets the given headers, removes those given as null, keeps the rest.</summary>
    public static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string?> patch)
    {
        var merged = new Dictionary<string, string>(current, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                merged.Remove(name);
            }
            else
            {
                merged[name] = value;
            }
        }
        return merged;
    }
}
