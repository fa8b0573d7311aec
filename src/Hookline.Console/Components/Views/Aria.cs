namespace Hookline.Console.Components.Views;

/// <summary>Accessible names for components that take them as attributes.</summary>
internal static class Aria
{
    public static Dictionary<string, object> Label(string name) => new() { ["aria-label"] = name };
}
