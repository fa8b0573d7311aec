using Hookline.Console.Api;
using Hookline.Console.Components;
using Hookline.Console.Hosting;
using Hookline.Console.Session;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers and maps the Hookline Console: the dashboard at <c>/</c> and the portal at <c>/portal/…</c>.</summary>
public static class ConsoleServiceCollectionExtensions
{
    /// <summary>The named HttpClient that reaches this node's own API.</summary>
    public const string ApiClientName = "hookline-console-api";

    public static IServiceCollection AddHooklineConsole(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<PortalOptions>().Bind(configuration.GetSection(PortalOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidation>();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddAuthentication(ConsoleAuthentication.Scheme)
            .AddCookie(ConsoleAuthentication.Scheme, ConsoleAuthentication.ConfigureCookie);
        services.AddAuthorization();
        // Framing headers come from ConsoleSecurityHeaders alone (the portal must stay embeddable).
        services.AddAntiforgery(options => options.SuppressXFrameOptionsHeader = true);

        services.AddSingleton<SelfApiAddress>();
        services.AddScoped<ConsoleSession>();
        // No request logging: these calls are the Console's own, and their URLs are the user's clicks.
        services.AddHttpClient(ApiClientName, ConfigureApiClient).ConfigurePrimaryHttpMessageHandler(CreateApiHandler).RemoveAllLoggers();
        services.AddHttpClient<HooklineApiClient>(ConfigureApiClient).ConfigurePrimaryHttpMessageHandler(CreateApiHandler).RemoveAllLoggers();
        return services;
    }

    /// <summary>
    /// Maps the Console's pages, its sign-in and sign-out, and its framing rules. Call after
    /// <c>UseRouting</c>; the Console's static files (MudBlazor, its own script) come with
    /// <c>MapStaticAssets</c>.
    /// </summary>
    public static WebApplication UseHooklineConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ConsoleSecurityHeaders>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapHooklineConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapConsoleAuthentication();
        // Blazor would add its own "frame-ancestors 'self'" to every page; ConsoleSecurityHeaders sets
        // the policy instead (the portal per Hookline:Portal:FrameAncestors, the rest 'none').
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }

    private static void ConfigureApiClient(IServiceProvider services, HttpClient client)
    {
        client.BaseAddress = services.GetRequiredService<SelfApiAddress>().Get();
        client.Timeout = TimeSpan.FromSeconds(30);
    }

    /// <summary>Calls stay on this machine: no redirects, no cookies (the API reads only its bearer token).</summary>
    private static SocketsHttpHandler CreateApiHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
    };
}
