using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hookline.Console.Hosting;

/// <summary>
/// Framing and referrer rules. The portal (<c>/portal/…</c>) is made to be embedded: its pages may be
/// framed by the sites in <see cref="PortalOptions.FrameAncestors"/> and never send a <c>Referer</c>.
/// Everything else, the dashboard first, refuses every frame (clickjacking).
/// </summary>
internal sealed class ConsoleSecurityHeaders
{
    public const string PortalPrefix = "/portal";

    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<PortalOptions> _options;

    public ConsoleSecurityHeaders(RequestDelegate next, IOptionsMonitor<PortalOptions> options)
    {
        _next = next;
        _options = options;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (context.Request.Path.StartsWithSegments(PortalPrefix))
        {
            if (RedirectTokenInQuery(context))
            {
                return Task.CompletedTask;
            }
            headers.ContentSecurityPolicy = "frame-ancestors " + _options.CurrentValue.FrameAncestors;
            headers["Referrer-Policy"] = "no-referrer";
        }
        else
        {
            headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
        }
        return _next(context);
    }

    /// <summary>
    /// A link written the old way (<c>?token=…</c>) is sent on with the token in the fragment, before
    /// any page is rendered, so the page's address (and anything it loads) never carries it.
    /// </summary>
    private static bool RedirectTokenInQuery(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) || !request.Query.TryGetValue("token", out var token) || token.Count != 1)
        {
            return false;
        }
        var rest = QueryString.Create(request.Query.Where(q => q.Key != "token"));
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect($"{request.PathBase}{request.Path}{rest}#token={Uri.EscapeDataString(token.ToString())}");
        return true;
    }
}
