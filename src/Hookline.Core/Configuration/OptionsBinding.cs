using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hookline.Core.Configuration;

/// <summary>Binding a configuration section so that a value of the wrong type is a validation failure naming its key.</summary>
public static partial class OptionsBinding
{
    /// <summary>
    /// Binds <paramref name="section"/> with the standard configuration binder (Hookline durations
    /// and comma-separated lists included: <see cref="DurationConverter"/>, <see cref="SettingList{T}"/>).
    /// A value that does not convert — <c>Timeout = soon</c>, <c>AllowPrivateNetworks = yes</c> — throws
    /// <see cref="OptionsValidationException"/> whose failure reads <c>Key = 'value': reason</c>, like
    /// every other validation failure, instead of the binder's <see cref="InvalidOperationException"/>.
    /// </summary>
    public static OptionsBuilder<TOptions> BindSection<TOptions>(this OptionsBuilder<TOptions> builder, IConfigurationSection section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        DurationConverter.Register();
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(new ConfigurationChangeTokenSource<TOptions>(builder.Name, section));
        return builder.Configure(options =>
        {
            try
            {
                section.Bind(options);
            }
            catch (InvalidOperationException ex)
            {
                throw new OptionsValidationException(builder.Name, typeof(TOptions), [Describe(ex)]);
            }
        });
    }

    /// <summary><c>Key = 'value': reason</c> from the binder's "Failed to convert configuration value 'v' at 'k' to type 't'".</summary>
    internal static string Describe(InvalidOperationException ex)
    {
        var match = FailedConversion().Match(ex.Message);
        if (!match.Success)
        {
            return ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;
        }
        var (value, key, type) = (match.Groups["value"].Value, match.Groups["key"].Value, match.Groups["type"].Value);
        var reason = type switch
        {
            "System.Boolean" => "must be true or false.",
            "System.Int32" or "System.Int64" => "must be a whole number.",
            "System.TimeSpan" => DurationConverter.Expectation + ".",
            _ => ex.InnerException?.Message ?? $"is not a valid {type}.",
        };
        return $"{key} = '{value}': {reason}";
    }

    [GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex FailedConversion();
}
