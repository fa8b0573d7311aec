using System.Text.RegularExpressions;

namespace Hookline.Console.Hosting;

/// <summary>How a portal looks: configured defaults, overridden by the link's own parameters.</summary>
public sealed partial record PortalLook(bool Dark, string? PrimaryColor, string? LogoUrl)
{
    /// <summary>
    /// Reads <c>theme</c>, <c>primaryColor</c> and <c>logo</c> from the link's query and fragment (a
    /// fragment value wins). Values that are not valid are ignored rather than refused: a look is
    /// never a reason not to show the portal.
    /// </summary>
    public static PortalLook From(PortalOptions options, Uri link) => From(options, Parameters(link));

    /// <summary>The look parameters a link carries, as a query string (<c>theme=dark&amp;…</c>), or empty.</summary>
    public static string Parameters(Uri link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var kept = new List<string>();
        foreach (var part in new[] { link.Query.TrimStart('?'), link.Fragment.TrimStart('#') })
        {
            foreach (var pair in part.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = pair.Split('=')[0];
                if (name is "theme" or "primaryColor" or "logo")
                {
                    kept.Add(pair);
                }
            }
        }
        return string.Join('&', kept);
    }

    /// <summary>The look from <paramref name="parameters"/> (as <see cref="Parameters(Uri)"/> writes them) over the configured one.</summary>
    public static PortalLook From(PortalOptions options, string? parameters)
    {
        ArgumentNullException.ThrowIfNull(options);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in new[] { parameters ?? "" })
        {
            foreach (var pair in part.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    values[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
                }
            }
        }
        var theme = values.GetValueOrDefault("theme") ?? options.Theme;
        var color = values.GetValueOrDefault("primaryColor") is { } c && IsColor(c) ? c : options.PrimaryColor;
        var logo = values.GetValueOrDefault("logo") is { } l && IsImageUrl(l) ? l : options.LogoUrl;
        return new PortalLook(string.Equals(theme, "dark", StringComparison.OrdinalIgnoreCase), color, logo);
    }

    public static bool IsColor(string value) => ColorPattern().IsMatch(value);

    public static bool IsImageUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    [GeneratedRegex("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    private static partial Regex ColorPattern();
}
