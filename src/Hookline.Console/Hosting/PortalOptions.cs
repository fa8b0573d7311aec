namespace Hookline.Console.Hosting;

/// <summary>The consumer portal's embedding and default look (<c>Hookline:Portal</c>).</summary>
public sealed class PortalOptions
{
    public const string SectionName = "Hookline:Portal";

    /// <summary>
    /// Which sites may show the portal in a frame: a CSP <c>frame-ancestors</c> source list such as
    /// <c>https://app.example.com https://*.example.com</c>.
    /// </summary>
    /// <value>The default value is <c>*</c> (any site).</value>
    public string FrameAncestors { get; set; } = "*";

    /// <summary><c>light</c> or <c>dark</c>; a portal link's <c>theme</c> parameter overrides it.</summary>
    /// <value>The default value is <c>light</c>.</value>
    public string Theme { get; set; } = "light";

    /// <summary>The primary colour as <c>#rgb</c> or <c>#rrggbb</c>; a link's <c>primaryColor</c> parameter overrides it.</summary>
    /// <value>The default value is null (Hookline's own colour).</value>
    public string? PrimaryColor { get; set; }

    /// <summary>An <c>https://</c> (or <c>http://</c>) image shown in the portal's bar; a link's <c>logo</c> parameter overrides it.</summary>
    /// <value>The default value is null (the application's name only).</value>
    public string? LogoUrl { get; set; }
}
