using Hookline.Core.Delivery;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Applications;
using Hookline.Server.Attempts;
using Hookline.Server.Auth;
using Hookline.Server.Configuration;
using Hookline.Server.Endpoints;
using Hookline.Server.EventTypes;
using Hookline.Server.Health;
using Hookline.Server.Hosting;
using Hookline.Server.Ingest;
using Hookline.Server.Messages;
using Hookline.Server.OpenApi;
using Hookline.Server.Relay;
using Hookline.Server.Tasks;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hookline.Server;

/// <summary>Composition of the Hookline host: services and endpoints.</summary>
public static class HooklineServerExtensions
{
    /// <summary>Where Hookline listens when no address is configured (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>Kestrel:Endpoints</c>).</summary>
    public const string DefaultUrl = "http://localhost:8071";

    public static WebApplicationBuilder AddHooklineServer(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"])
            && string.IsNullOrEmpty(configuration["http_ports"])
            && string.IsNullOrEmpty(configuration["https_ports"])
            && !configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            // Same default as launchSettings.json, so `dotnet Hookline.Server.dll` listens where the docs say.
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.Services.AddHooklineServer(configuration);
        return builder;
    }

    public static IServiceCollection AddHooklineServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<HooklineServerOptions>().Bind(configuration.GetSection(HooklineServerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HooklineServerOptions>, HooklineServerOptionsValidation>();
        services.AddOptions<DeliveryOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<DeliveryOptions>>(new DeliveryOptionsSetup(configuration));
        services.AddSingleton<IValidateOptions<DeliveryOptions>>(new DeliveryOptionsValidation(configuration));
        services.TryAddSingleton(TimeProvider.System);

        AddStore(services, configuration);
        // The hookline listen relay: registered before the core so the attempt sender hands it relay endpoints.
        services.AddHooklineRelay(configuration);
        // Message intake (group commit), the delivery dispatcher, the SSRF-safe client and housekeeping.
        services.AddHooklineCore();

        services.AddSingleton<AdminCredential>();
        services.TryAddSingleton(new StartupConsole(Console.Out));
        services.AddSingleton<PublicUrl>();
        services.AddSingleton<ApiBody>();
        services.AddSingleton<EndpointUrlCheck>();
        services.AddSingleton<BackgroundTaskSignal>();

        services.AddHostedService<HooklineStartup>();
        services.AddHostedService<BackgroundTaskWorker>();

        services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddHooklineOpenApi();
        return services;
    }

    public static WebApplication MapHooklineServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseStatusCodePages(WriteEmptyStatusAsync);
        app.UseWebSockets();
        app.UseRouting();
        app.UseMiddleware<ApiAuthMiddleware>();
        app.UseMiddleware<IdempotencyMiddleware>();
        // Again inside the idempotency layer, so a remembered response is the final one.
        app.UseMiddleware<ApiErrorMiddleware>();

        app.MapHealthApi();
        var api = app.MapGroup("/api/v1").WithMetadata(new RequiresApiTokenMetadata());
        api.MapApplicationApi()
            .MapEndpointApi()
            .MapEventTypeApi()
            .MapMessageApi()
            .MapAttemptApi()
            .MapAuthApi()
            .MapBackgroundTaskApi()
            .MapRelayApi();
        app.MapIngestApi();
        app.MapHooklineOpenApi();
        return app;
    }

    /// <summary>
    /// Registers the store chosen by <c>Hookline:Storage:Provider</c> (as <see cref="IHooklineStore"/>
    /// and each of its parts). SQLite keeps <c>hookline.db</c> in <c>Hookline:DataDirectory</c> unless
    /// <c>Hookline:Storage:ConnectionString</c> names another database.
    /// </summary>
    private static void AddStore(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(HooklineServerOptions.SectionName).Get<HooklineServerOptions>() ?? new HooklineServerOptions();
        if (options.Storage.Provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            services.AddHooklineSqliteStore(string.IsNullOrWhiteSpace(options.Storage.ConnectionString)
                ? (string.IsNullOrWhiteSpace(options.DataDirectory) ? "./hookline-data" : options.DataDirectory)
                : options.Storage.ConnectionString);
        }
        else if (options.Storage.Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase)
            && !string.IsNullOrWhiteSpace(options.Storage.ConnectionString))
        {
            services.AddHooklinePostgresStore(options.Storage.ConnectionString);
        }
        else
        {
            // Refuse now: without a store nothing else can even be constructed.
            var failures = new HooklineServerOptionsValidation().Validate(null, options).Failures ?? [];
            throw new OptionsValidationException(HooklineServerOptions.SectionName, typeof(HooklineServerOptions), failures);
        }
    }

    /// <summary>Unknown routes (404) and wrong methods (405) get Svix's error body too.</summary>
    private static Task WriteEmptyStatusAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var body = status switch
        {
            StatusCodes.Status404NotFound => new HttpErrorOut("not_found", $"No route matches {http.Request.Method} {http.Request.Path}."),
            StatusCodes.Status405MethodNotAllowed => new HttpErrorOut("method_not_allowed", $"{http.Request.Method} is not allowed on {http.Request.Path}."),
            _ => new HttpErrorOut("http_error", ReasonPhrase(status)),
        };
        return ApiErrorMiddleware.WriteAsync(http, status, body);
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"HTTP {status}";
}
