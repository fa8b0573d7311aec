using System.Data.Common;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Hosting;

/// <summary>A start-up problem already described in one line (<see cref="StartupFailure.Line"/>).</summary>
internal sealed class StartupProblemException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one place that turns a failed start — a validation failure, a setting the binder could not
/// convert, a port in use, an address Kestrel cannot parse, a database it cannot reach — into one
/// line naming the key, the value and the fix. Anything it does not recognise is left alone (a bug
/// deserves its stack trace).
/// </summary>
internal static partial class StartupFailure
{
    private static readonly Dictionary<string, string> Sections = new(StringComparer.Ordinal)
    {
        ["DeliveryOptions"] = Core.Delivery.DeliveryOptions.SectionName,
        ["RetentionOptions"] = Core.Delivery.RetentionOptions.SectionName,
        ["HooklineServerOptions"] = HooklineServerOptions.SectionName,
        ["LimitOptions"] = HooklineServerOptions.SectionName + ":Limits",
        ["TelemetryOptions"] = TelemetryOptions.SectionName,
        ["PrometheusOptions"] = TelemetryOptions.SectionName + ":Prometheus",
    };

    /// <summary><c>key = 'value': problem fix</c>, the shape of every start-up message.</summary>
    public static string Line(string key, string? value, string problem) =>
        value is null ? $"{key}: {problem}" : $"{key} = '{value}': {problem}";

    /// <returns>One line for a recognised configuration mistake; null otherwise.</returns>
    public static string? Describe(Exception exception, IConfiguration? configuration)
    {
        var lines = new List<string>();
        foreach (var ex in Flatten(exception))
        {
            var line = DescribeOne(ex, configuration);
            if (line is null)
            {
                return null;
            }
            lines.Add(line);
        }
        return lines.Count == 0 ? null : "Hookline did not start. " + string.Join(" ", lines.Distinct(StringComparer.Ordinal));
    }

    private static System.Collections.ObjectModel.ReadOnlyCollection<Exception> Flatten(Exception exception) =>
        exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : new([exception]);

    private static string? DescribeOne(Exception ex, IConfiguration? configuration) => ex switch
    {
        StartupProblemException problem => problem.Message,
        OptionsValidationException validation => string.Join(" ", validation.Failures.Select(f => Failure(f, validation.OptionsType, configuration))),
        IOException { InnerException: AddressInUseException } or IOException { InnerException: SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } } =>
            PortInUse(ex.Message, configuration),
        _ when InvalidUrl(ex) is { } url => Line("--urls", url,
            "is not a listen address; write it like http://localhost:8071, http://0.0.0.0:8071 or http://+:8071 (several separated by ';')."),
        _ => null,
    };

    /// <summary>
    /// A generated (DataAnnotations) failure reads <c>Member: message</c>, the message often
    /// <c>The field Type.Member must be …</c>; it gets its configuration key and value here. The
    /// hand-written validators already write <c>key = 'value': …</c>.
    /// </summary>
    private static string Failure(string failure, Type optionsType, IConfiguration? configuration)
    {
        if (failure.StartsWith(HooklineServerOptions.SectionName, StringComparison.Ordinal) || DataAnnotationFailure().Match(failure) is not { Success: true } match)
        {
            return failure;
        }
        var message = match.Groups["message"].Value;
        string[] path;
        if (FieldMessage().Match(message) is { Success: true } field)
        {
            // "The field HooklineServerOptions.Limits.MaxPayloadBytes must be between 1024 and …"
            path = field.Groups["display"].Value.Split('.');
            message = field.Groups["rest"].Value;
        }
        else
        {
            path = [optionsType.Name, match.Groups["member"].Value];
        }
        var section = Sections.TryGetValue(path[0], out var known) ? known : path[0];
        var key = section + ":" + string.Join(':', path[1..]);
        return Line(key, configuration?[key], message);
    }

    private static string PortInUse(string message, IConfiguration? configuration)
    {
        var address = BindAddress().Match(message) is { Success: true } m ? m.Groups["address"].Value : configuration?["urls"];
        return Line("--urls", address, "the port is already in use by another program (another Hookline?). Stop it, or listen elsewhere, e.g. --urls http://localhost:8072.");
    }

    /// <summary>Kestrel's complaint about an address it cannot parse, with the address.</summary>
    private static string? InvalidUrl(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is FormatException or InvalidOperationException or ArgumentException && InvalidUrlMessage().Match(e.Message) is { Success: true } m)
            {
                return m.Groups["url"].Value;
            }
        }
        return null;
    }

    /// <summary>The PostgreSQL server in a connection string, never its password.</summary>
    public static string PostgresServer(string? connectionString)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return $"{builder.Host}:{builder.Port}";
        }
        catch (ArgumentException)
        {
            return "(unreadable connection string)";
        }
    }

    /// <summary>Why a database could not be reached, from the innermost cause.</summary>
    public static string Reason(Exception ex)
    {
        if (ex is Npgsql.PostgresException postgres)
        {
            return $"{postgres.MessageText} (SQLSTATE {postgres.SqlState})";
        }
        var root = ex;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }
        return root is Npgsql.PostgresException inner ? $"{inner.MessageText} (SQLSTATE {inner.SqlState})" : root.Message.TrimEnd('.');
    }

    /// <summary>Whether an exception from opening the store is about reaching it (not a bug in Hookline).</summary>
    public static bool IsUnreachable(Exception ex) =>
        ex is DbException or SocketException or TimeoutException or IOException or UnauthorizedAccessException
        || (ex is InvalidOperationException && ex.InnerException is DbException or SocketException);

    [GeneratedRegex(@"^(?<member>[A-Za-z0-9_]+): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();

    [GeneratedRegex(@"^The field (?<display>[A-Za-z0-9_.]+) (?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex FieldMessage();

    [GeneratedRegex(@"address (?<address>\S+?):? address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex BindAddress();

    [GeneratedRegex(@"Invalid url: '(?<url>[^']*)'", RegexOptions.IgnoreCase)]
    private static partial Regex InvalidUrlMessage();
}
