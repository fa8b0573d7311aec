using Hookline.Core.Configuration;
using Hookline.Core.Delivery;
using Hookline.Core.Storage;
using Hookline.Storage.Postgres;
using Hookline.Storage.Sqlite;
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
using Hookline.Server.Stats;
using Hookline.Server.OpenApi;
using Hookline.Server.Relay;
using Hookline.Server.Secrets;
using Hookline.Server.Tasks;
using Hookline.Server.Telemetry;
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
        // The Console's files (its own, MudBlazor's, Blazor's) are served from where the build put them,
        // in every environment, not only Development; a published app has them in wwwroot instead.
        builder.WebHost.UseStaticWebAssets();
        ListenUrls.Check(configuration["urls"]);
        // A failed start is reported in one line by StartupFailure; until the host has started, the
        // console leaves out the host's and Kestrel's own logs of it (stack traces included).
        var phase = new StartupPhase();
        builder.Services.AddSingleton(phase);
        foreach (var category in StartupPhase.FailureLoggers)
        {
            builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(category, phase.ConsoleShows);
        }
        // Data Protection warns once per new key that the key ring in {DataDirectory}/keys is not
        // encrypted; docs/operations.md says so, and the warning would break the one-line start-up report.
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(
            "Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        builder.Services.AddHooklineServer(configuration);
        return builder;
    }

    public static IServiceCollection AddHooklineServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptionsWithValidateOnStart<HooklineServerOptions>().BindSection(configuration.GetSection(HooklineServerOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HooklineServerOptions>, HooklineServerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HooklineServerOptions>, HooklineServerOptionsRules>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StartupPhase>();

        AddStore(services, configuration);
        // The hookline listen relay: registered before the core so the attempt sender hands it relay endpoints.
        services.AddHooklineRelay(configuration);
        // Message intake (group commit), the delivery dispatcher, the SSRF-safe client and housekeeping,
        // with Hookline:Delivery bound and checked at start.
        services.AddHooklineCore(configuration.GetSection(DeliveryOptions.SectionName));
        services.AddOptions<RetentionOptions>().BindSection(configuration.GetSection(RetentionOptions.SectionName));

        services.AddSingleton<AdminCredential>();
        services.TryAddSingleton(new StartupConsole(System.Console.Out));
        services.AddSingleton<PublicUrl>();
        services.AddSingleton<ApiBody>();
        services.AddSingleton<EndpointUrlCheck>();
        services.AddSingleton<BackgroundTaskSignal>();

        services.AddHostedService<HooklineStartup>();
        services.AddHostedService<BackgroundTaskWorker>();

        // The dashboard and the portal (Blazor Server). The sign-in cookie and the circuits are protected
        // with the Data Protection key ring that also seals the store's secrets: in the data directory
        // for SQLite, in the database for PostgreSQL, so every node shares it.
        services.AddHooklineConsole(configuration);
        services.AddHooklineSecrets(configuration, DataDirectory(configuration),
            postgres: HooklineServerOptionsRules.IsPostgres(configuration.GetSection(HooklineServerOptions.SectionName)["Storage:Provider"] ?? "sqlite"));

        services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddHooklineOpenApi();
        services.AddHooklineTelemetry(configuration);
        services.AddHooklineHealthChecks();
        return services;
    }

    public static WebApplication MapHooklineServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseStatusCodePages(WriteEmptyStatusAsync);
        app.UseWebSockets();
        app.UseRouting();
        app.UseHooklineConsole();
        app.UseMiddleware<ApiAuthMiddleware>();
        app.UseMiddleware<IdempotencyMiddleware>();
        // Again inside the idempotency layer, so a remembered response is the final one.
        app.UseMiddleware<ApiErrorMiddleware>();

        app.MapHealthApi();
        app.MapHooklineHealthChecks();
        app.MapHooklineTelemetry();
        var api = app.MapGroup("/api/v1").WithMetadata(new RequiresApiTokenMetadata());
        api.MapApplicationApi()
            .MapEndpointApi()
            .MapEventTypeApi()
            .MapMessageApi()
            .MapAttemptApi()
            .MapAuthApi()
            .MapBackgroundTaskApi()
            .MapStatsApi()
            .MapRelayApi();
        app.MapIngestApi();
        app.MapHooklineOpenApi();
        if (StaticAssetsManifest(app.Environment) is { } manifest)
        {
            app.MapStaticAssets(manifest);
        }
        app.MapHooklineConsole();
        return app;
    }

    /// <summary>
    /// The build's list of the Console's files. It is named after the application, so a host that embeds
    /// Hookline under another name (a test runner is <c>testhost</c>) looks for Hookline.Server's own list
    /// next; with neither, the API runs without the Console's files rather than failing to start.
    /// </summary>
    private static string? StaticAssetsManifest(IWebHostEnvironment environment)
    {
        string[] names = [environment.ApplicationName, typeof(HooklineServerExtensions).Assembly.GetName().Name!];
        return names
            .Select(name => Path.Combine(AppContext.BaseDirectory, $"{name}.staticwebassets.endpoints.json"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Registers the store chosen by <c>Hookline:Storage:Provider</c> (as <see cref="IHooklineStore"/>
    /// and each of its parts). SQLite keeps <c>hookline.db</c> in <c>Hookline:DataDirectory</c> unless
    /// <c>Hookline:Storage:ConnectionString</c> names another database.
    /// </summary>
    private static void AddStore(IServiceCollection services, IConfiguration configuration)
    {
        // Only the strings that choose the store are read here; every value is bound and checked at start.
        var section = configuration.GetSection(HooklineServerOptions.SectionName);
        var options = new HooklineServerOptions
        {
            DataDirectory = section["DataDirectory"] ?? new HooklineServerOptions().DataDirectory,
            Storage = new StorageOptions { Provider = section["Storage:Provider"] ?? "sqlite", ConnectionString = section["Storage:ConnectionString"] },
        };
        if (HooklineServerOptionsRules.IsSqlite(options.Storage.Provider))
        {
            services.AddHooklineSqliteStore(string.IsNullOrWhiteSpace(options.Storage.ConnectionString)
                ? DataDirectory(configuration)
                : options.Storage.ConnectionString);
            StoreStartup.Guard<SqliteHooklineStore>(services, options);
        }
        else if (HooklineServerOptionsRules.IsPostgres(options.Storage.Provider)
            && !string.IsNullOrWhiteSpace(options.Storage.ConnectionString))
        {
            services.AddHooklinePostgresStore(options.Storage.ConnectionString);
            StoreStartup.Guard<PostgresHooklineStore>(services, options);
        }
        else
        {
            // Refuse now: without a store nothing else can even be constructed.
            var failures = new HooklineServerOptionsRules().Validate(null, options).Failures ?? [];
            throw new OptionsValidationException(HooklineServerOptions.SectionName, typeof(HooklineServerOptions), failures);
        }
    }

    /// <summary>The data directory as configured (only that string is read: values are bound and checked at start).</summary>
    private static string DataDirectory(IConfiguration configuration) =>
        configuration.GetSection(HooklineServerOptions.SectionName)["DataDirectory"] is { Length: > 0 } directory && !string.IsNullOrWhiteSpace(directory)
            ? directory
            : new HooklineServerOptions().DataDirectory;

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
