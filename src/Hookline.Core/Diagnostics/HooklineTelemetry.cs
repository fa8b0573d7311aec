using System.Diagnostics;
using System.Reflection;

namespace Hookline.Core.Diagnostics;

/// <summary>
/// Hookline's traces and metrics, through <see cref="System.Diagnostics"/> only: an OpenTelemetry
/// SDK (or any listener) subscribes to <see cref="Name"/> for both. Core knows no exporter.
/// </summary>
public static class HooklineTelemetry
{
    /// <summary>The name of Hookline's <see cref="ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string Name = "Hookline";

    /// <summary>The version of Hookline (informational version: package version and commit when known).</summary>
    public static string Version { get; } =
        typeof(HooklineTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HooklineTelemetry).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    /// <summary>Spans: <c>hookline.message.accept</c>, <c>hookline.delivery.attempt</c>, <c>hookline.ingest.receive</c>, <c>hookline.ingest.verify</c>.</summary>
    internal static ActivitySource Source { get; } = new(Name, Version);

    /// <summary>
    /// A delivery attempt's span. Its parent is the trace context stored with the message (the
    /// <c>hookline.message.accept</c> span of the API call or ingest request that created it), so an
    /// attempt made hours later, on another node or after a restart, is still in the caller's trace.
    /// </summary>
    internal static Activity? StartAttempt(string? traceParent, string messageId, string endpointId, int attemptNumber)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity("hookline.delivery.attempt", ActivityKind.Internal, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("hookline.message.id", messageId);
            activity.SetTag("hookline.endpoint.id", endpointId);
            activity.SetTag("hookline.attempt.number", attemptNumber);
        }
        return activity;
    }
}
