using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Hookline.Server;

/// <summary>The <c>Hookline:Telemetry</c> section. OTLP export is configured with the standard <c>OTEL_*</c> variables instead.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Hookline:Telemetry";

    /// <summary>The Prometheus scraping endpoint.</summary>
    [ValidateObjectMembers]
    public PrometheusOptions Prometheus { get; set; } = new();
}

/// <summary>The <c>Hookline:Telemetry:Prometheus</c> section.</summary>
public sealed class PrometheusOptions
{
    /// <summary>Serve metrics in the Prometheus text format.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the metrics are served, without authentication (they carry no tenant data).</summary>
    /// <value>The default value is <c>/metrics</c>.</value>
    [RegularExpression("^/[A-Za-z0-9._~/-]*$", ErrorMessage = "The field {0} must be a path starting with '/', e.g. /metrics.")]
    public string Path { get; set; } = "/metrics";
}
