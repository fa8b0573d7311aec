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
            PaletteLight = new PaletteLight { Primary = primary, AppbarBackground = primary },
            PaletteDark = new PaletteDark { Primary = primaryColor ?? "#8c9eff" },
            Typography = new Typography { Default = new DefaultTypography { FontFamily = SystemFonts } },
        };
    }
}
