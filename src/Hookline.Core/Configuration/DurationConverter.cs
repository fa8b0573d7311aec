using System.ComponentModel;
using System.Globalization;

namespace Hookline.Core.Configuration;

/// <summary>
/// Lets the configuration binder read <see cref="TimeSpan"/> settings written the Hookline way
/// (<c>500ms</c>, <c>5s</c>, <c>5m</c>, <c>2h</c>, <c>5d</c>) as well as .NET's <c>00:00:05</c>.
/// </summary>
/// <remarks>
/// The binder finds converters through <see cref="TypeDescriptor"/> by type only, so
/// <see cref="Register"/> adds this one for <see cref="TimeSpan"/> in the whole process. It accepts
/// everything <see cref="TimeSpanConverter"/> accepts except negative values, which no setting uses.
/// </remarks>
public sealed class DurationConverter : TimeSpanConverter
{
    private static int s_registered;

    /// <summary>The reason a text is not a duration, with the fix.</summary>
    public const string Expectation = "is not a duration; write it like 500ms, 5s, 5m, 2h or 5d";

    /// <summary>Makes <see cref="TimeSpan"/> settings accept Hookline durations (once per process).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        }
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? Durations.TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' {Expectation}.")
            : base.ConvertFrom(context, culture, value);
}
