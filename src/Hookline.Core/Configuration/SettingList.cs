using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Globalization;

namespace Hookline.Core.Configuration;

/// <summary>
/// A list setting that configuration can give either as indexed entries (<c>Key:0</c>, <c>Key:1</c>;
/// a JSON array) or as one comma-separated value (<c>10.1.0.0/16,10.2.0.0/16</c>, handy in environment
/// variables). The configuration binder reads both: entries as a collection, the single value
/// through <see cref="SettingListConverter"/>.
/// </summary>
/// <typeparam name="T">The element type; its own converter reads each element (see <see cref="DurationConverter"/>).</typeparam>
[TypeConverter(typeof(SettingListConverter))]
public sealed class SettingList<T> : Collection<T>
{
    public SettingList()
    {
    }

    public SettingList(IEnumerable<T> items)
        : base([.. items])
    {
    }
}

/// <summary>Reads a <see cref="SettingList{T}"/> from one comma-separated value.</summary>
public sealed class SettingListConverter : TypeConverter
{
    private readonly Type _elementType;

    /// <param name="type">The closed <see cref="SettingList{T}"/> type (given by <see cref="TypeDescriptor"/>).</param>
    public SettingListConverter(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        _elementType = type.GetGenericArguments()[0];
    }

    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is not string text)
        {
            return base.ConvertFrom(context, culture, value);
        }
        var list = (System.Collections.IList)Activator.CreateInstance(typeof(SettingList<>).MakeGenericType(_elementType))!;
        var element = TypeDescriptor.GetConverter(_elementType);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                list.Add(element.ConvertFromInvariantString(part));
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException)
            {
                // Name the element at fault: the binder reports the whole value.
                throw new FormatException(ex is FormatException && ex.Message.StartsWith('\'') ? ex.Message : $"'{part}' is not a valid {_elementType.Name}.", ex);
            }
        }
        return list;
    }
}
