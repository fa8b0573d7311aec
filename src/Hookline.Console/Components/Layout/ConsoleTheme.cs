using MudBlazor;

namespace Hookline.Console.Components.Layout;

/// <summary>Hookline's look: MudBlazor's Material theme with the system font stack (nothing is fetched from elsewhere).</summary>
internal static class ConsoleTheme
{
    public const string DefaultPrimary = "#3949ab";

    private static readonly string[] SystemFonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Create(string? primaryColor = null)
    {
        var primary = primaryColor ?? DefaultPrimary;
        return new MudTheme
        {
            // Status colours darker than Material's defaults, so text in them (chips, outlined buttons)
            // meets WCAG AA contrast on white.
            PaletteLight = new PaletteLight
            {
                Primary = primary,
                AppbarBackground = primary,
                Success = "#1b6e20",
                Warning = "#8a4b00",
                Error = "#b3261e",
                Info = "#0b57d0",
            },
            PaletteDark = new PaletteDark
            {
                Primary = primaryColor ?? "#8c9eff",
                Success = "#69d27a",
                Warning = "#ffb74d",
                Error = "#ff8a80",
                Info = "#82b1ff",
            },
            Typography = new Typography { Default = new DefaultTypography { FontFamily = SystemFonts } },
        };
    }
}
