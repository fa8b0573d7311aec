using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Microsoft.AspNetCore.Authorization;

namespace Hookline.Server.Auth;

/// <summary>Marks routes that need a bearer token (the management API group).</summary>
internal sealed class RequiresApiTokenMetadata;

/// <summary>
/// Authenticates <c>Authorization: Bearer …</c> on API routes: the admin token (hash compared in
/// constant time) or an application token (looked up by hash, so logout on any node takes effect at
/// once). Missing or unknown tokens get 401; what a caller may do is decided per route.
/// </summary>
internal sealed class ApiAuthMiddleware
{
    private readonly RequestDelegate _next;

    public ApiAuthMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context, AdminCredential admin, TimeProvider time)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RequiresApiTokenMetadata>() is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await _next(context);
            return;
        }
        var token = ReadBearer(context.Request.Headers.Authorization.ToString())
            ?? throw ApiException.Unauthorized("Missing bearer token: send 'Authorization: Bearer <token>'.");
        var hash = Tokens.Hash(token);
        ApiCaller? caller = null;
        if (admin.Hash is { } adminHash && Tokens.HashesEqual(hash, adminHash))
        {
            caller = new ApiCaller(hash, AppId: null);
        }
        else if (token.StartsWith(Tokens.AppPrefix, StringComparison.Ordinal)
            && await context.RequestServices.GetRequiredService<IAuthStore>().GetAppTokenAsync(hash, time.GetUtcNow(), context.RequestAborted) is { } appId)
        {
            var app = await context.RequestServices.GetRequiredService<IApplicationStore>().GetApplicationAsync(appId, context.RequestAborted);
            caller = new ApiCaller(hash, appId, IsSourceToken: app?.Kind == ApplicationKind.Source);
        }
        if (caller is null)
        {
            throw ApiException.Unauthorized("Invalid or expired token.");
        }
        context.Features.Set(caller);
        await _next(context);
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null.</summary>
    internal static string? ReadBearer(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = header[scheme.Length..].Trim();
        return token.Length is > 0 and <= 1024 ? token : null;
    }
}
