using System.Globalization;
using System.Text.Json;

namespace Hookline.Console.Components.Views;

/// <summary>How values are written in the Console.</summary>
internal static class Display
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>UTC, to the second: the same on every screen and in every log.</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Json(JsonElement? element) =>
        element is { ValueKind: not JsonValueKind.Undefined } e ? JsonSerializer.Serialize(e, Indented) : "";

    /// <summary>Pretty-printed when the text is JSON, as it is otherwise.</summary>
    public static string JsonText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            return JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    public static string Percent(double? ratio) =>
        ratio is { } r ? (r * 100).ToString(r >= 0.995 || r == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " %" : "—";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
