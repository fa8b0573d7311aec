using Hookline.Core.Delivery;
using Hookline.Core.Messages;
using Hookline.Core.Operational;
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
using Hookline.Server.Messages;
using Hookline.Server.OpenApi;
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

        var storeAvailable = AddStore(services, configuration);

        services.TryAddSingleton<DeliverySignal>();
        services.TryAddSingleton<MessageWriter>();
        services.TryAddSingleton<MessageService>();
        services.TryAddSingleton<OperationalWebhooks>();

        services.AddSingleton<AdminCredential>();
        services.TryAddSingleton(new StartupConsole(Console.Out));
        services.AddSingleton<PublicUrl>();
        services.AddSingleton<ApiBody>();
        services.AddSingleton<EndpointUrlCheck>();
        services.AddSingleton<BackgroundTaskSignal>();

        services.AddHostedService<HooklineStartup>();
        if (storeAvailable)
        {
            // The writer is one instance: the API writes through it and the host runs its commit loop.
            services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
            services.AddHostedService<BackgroundTaskWorker>();
            services.AddHostedService<IdempotencyKeyJanitor>();
        }

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
            .MapBackgroundTaskApi();
        app.MapHooklineOpenApi();
        return app;
    }

    /// <summary>
    /// Registers the store chosen by <c>Hookline:Storage:Provider</c> and exposes its parts
    /// (<see cref="IMessageStore"/>, <see cref="IEndpointStore"/>, …) as the same instance.
    /// </summary>
    private static bool AddStore(IServiceCollection services, IConfiguration configuration)
    {
        var storage = configuration.GetSection(HooklineServerOptions.SectionName).Get<HooklineServerOptions>()?.Storage ?? new StorageOptions();
        _ = storage;
        // TODO(store): services.AddHooklineSqliteStore(dataDirectory or Storage:ConnectionString) once
        // Hookline.Storage.Sqlite is in main; 'postgres' once Hookline.Storage.Postgres exists.
        var available = services.Any(d => d.ServiceType == typeof(IHooklineStore));
        if (!available)
        {
            services.TryAddSingleton<IHooklineStore>(_ => throw new InvalidOperationException(
                "No Hookline store is registered (Hookline:Storage:Provider). This build has no store implementation yet."));
        }
        services.TryAddSingleton<IApplicationStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<IEventTypeStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<IEndpointStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<IMessageStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<IDeliveryStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<IAttemptStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<IAuthStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.TryAddSingleton<ITaskStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton(new StoreAvailability(available));
        return available;
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

/// <summary>Whether a real store is registered. TODO(store): remove once the SQLite store is always registered.</summary>
internal sealed record StoreAvailability(bool Available);
