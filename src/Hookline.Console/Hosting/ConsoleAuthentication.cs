using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Console.Hosting;

/// <summary>
/// The dashboard's sign-in: a form takes the admin token, the API itself decides whether it is one,
/// and the session is an HttpOnly, SameSite=Strict cookie. The forms carry an antiforgery token,
/// and the cookie is never sent by another site, so neither sign-in nor sign-out can be forged.
/// </summary>
internal static class ConsoleAuthentication
{
    public const string Scheme = "HooklineConsole";
    public const string CookieName = "hookline_console";

    /// <summary>The claim holding the admin token, inside the encrypted cookie (Data Protection).</summary>
    public const string TokenClaim = "hookline:token";

    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";

    public static void ConfigureCookie(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = CookieName;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.Cookie.IsEssential = true;
        options.LoginPath = LoginPath;
        options.LogoutPath = LogoutPath;
        options.ReturnUrlParameter = "returnUrl";
        options.ExpireTimeSpan = TimeSpan.FromHours(12);
        options.SlidingExpiration = true;
    }

    public static void MapConsoleAuthentication(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(LoginPath, (Delegate)LoginAsync).ExcludeFromDescription();
        routes.MapPost(LogoutPath, (Delegate)LogoutAsync).ExcludeFromDescription();
    }

    /// <summary>Form fields of the sign-in form.</summary>
    internal sealed record LoginForm(string? Token, string? ReturnUrl);

    private static async Task<IResult> LoginAsync(HttpContext context, [FromForm] LoginForm form, IHttpClientFactory clients)
    {
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        var token = form.Token?.Trim();
        if (string.IsNullOrEmpty(token))
        {
            return Refused(returnUrl, "empty");
        }
        switch (await CheckAdminTokenAsync(clients, token, context.RequestAborted))
        {
            case HttpStatusCode.OK:
                break;
            case HttpStatusCode.Forbidden:
                return Refused(returnUrl, "not-admin");
            case HttpStatusCode.Unauthorized:
                return Refused(returnUrl, "invalid");
            default:
                return Refused(returnUrl, "unavailable");
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(TokenClaim, token)], Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return Results.LocalRedirect(returnUrl);
    }

    private static async Task<IResult> LogoutAsync(HttpContext context)
    {
        await context.SignOutAsync(Scheme);
        return Results.LocalRedirect(LoginPath + "?signedOut=1");
    }

    /// <summary>
    /// Asks the API: only the admin token may list applications (an application token gets 403, an
    /// unknown one 401). The API is the one place that knows what a token is.
    /// </summary>
    private static async Task<HttpStatusCode?> CheckAdminTokenAsync(IHttpClientFactory clients, string token, CancellationToken cancellationToken)
    {
        using var client = clients.CreateClient(ConsoleServiceCollectionExtensions.ApiClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/app?limit=1", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static IResult Refused(string returnUrl, string reason) =>
        Results.LocalRedirect($"{LoginPath}?error={reason}&returnUrl={Uri.EscapeDataString(returnUrl)}");

    /// <summary>Only a path on this site (never <c>//evil.example</c> or an absolute URL): no open redirect.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.StartsWith(LoginPath, StringComparison.OrdinalIgnoreCase)
            ? url
            : "/";
}
