using Hookline.Core.Configuration;
using Hookline.Core.Diagnostics;
using Hookline.Server.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Hookline.Server.Telemetry;

/// <summary>
/// OpenTelemetry for the server. Metrics (Hookline's meter, ASP.NET Core's and the runtime's) are served for Prometheus at <c>Hookline:Telemetry:Prometheus:Path</c> unless turned
/// off. Traces, metrics and logs go out over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the
/// other <c>OTEL_*</c> variables (protocol, headers, service name, resource attributes, batch and
/// export intervals, sampler) work as the OpenTelemetry SDK documents them.
/// </summary>
internal static class TelemetrySetup
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddHooklineTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(TelemetryOptions.SectionName);
        services.AddOptionsWithValidateOnStart<TelemetryOptions>().BindSection(section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());

        // Read here because the exporters are chosen now; a value that is not a boolean fails the
        // start through the validation above.
        var prometheus = !bool.TryParse(section["Prometheus:Enabled"], out var enabled) || enabled;
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);
        if (!prometheus && !otlp)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource =>
        {
            // OTEL_SERVICE_NAME, when set, names the service instead.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
            {
                resource.AddService("hookline", serviceVersion: HooklineTelemetry.Version);
            }
        });
        telemetry.WithMetrics(metrics =>
        {
            // Not HttpClient's meter: its labels name every destination (server.address, server.port),
            // tenant data without bound. Hookline's own delivery instruments cover those requests.
            metrics.AddMeter(HooklineTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation();
            if (prometheus)
            {
                metrics.AddPrometheusExporter();
            }
        });
        if (otlp)
        {
            // Spans exist only when someone collects them: without OTLP, Hookline starts none.
            telemetry.WithTracing(tracing => tracing
                .AddSource(HooklineTelemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScrapeOrProbe(context.Request.Path, configuration))
                .AddHttpClientInstrumentation());
            telemetry.WithLogging();
            telemetry.UseOtlpExporter();
        }
        return services;
    }

    /// <summary>Maps the Prometheus scraping endpoint when it is on.</summary>
    public static IEndpointRouteBuilder MapHooklineTelemetry(this IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value.Prometheus;
        if (options.Enabled)
        {
            routes.MapPrometheusScrapingEndpoint(options.Path).AllowAnonymous();
        }
        return routes;
    }

    /// <summary>Scrapes and health probes come every few seconds and would bury the traces worth reading.</summary>
    private static bool IsScrapeOrProbe(PathString path, IConfiguration configuration) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments(configuration[$"{TelemetryOptions.SectionName}:Prometheus:Path"] ?? "/metrics", StringComparison.OrdinalIgnoreCase);
}
