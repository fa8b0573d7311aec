using Hookline.Console.Api;

namespace Hookline.Console.Components.Views;

/// <summary>An endpoint's health from its delivery counts.</summary>
internal static class EndpointHealth
{
    /// <summary>Succeeded ÷ finished (succeeded + failed); null when nothing finished.</summary>
    public static double? SuccessRate(EndpointStatsOut? stats) =>
        stats is { } s && s.Success + s.Fail > 0 ? (double)s.Success / (s.Success + s.Fail) : null;

    public static (string Text, MudBlazor.Color Color) Badge(EndpointOut endpoint, EndpointStatsOut? stats)
    {
        if (endpoint.Disabled)
        {
            return ("Disabled", MudBlazor.Color.Default);
        }
        if (stats is { Fail: > 0 })
        {
            return ("Failing", MudBlazor.Color.Error);
        }
        if (stats is { } s && s.Success == 0 && s.Pending + s.Sending > 0)
        {
            return ("Pending", MudBlazor.Color.Warning);
        }
        return stats is { Success: > 0 } ? ("Healthy", MudBlazor.Color.Success) : ("Enabled", MudBlazor.Color.Info);
    }
}
