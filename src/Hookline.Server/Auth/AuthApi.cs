using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.OpenApi;
using Hookline.Server.Applications;
using Hookline.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Auth;

/// <summary>Svix <c>AppPortalAccessIn</c>; <c>expiry</c> (seconds) is the token's lifetime, 7 days by default.</summary>
public sealed record AppPortalAccessIn
{
    public ApplicationIn? Application { get; init; }
    public List<string?>? FeatureFlags { get; init; }
    public long? Expiry { get; init; }
}

public sealed record AppPortalAccessOut(string Token, string Url);

internal static class AuthApi
{
    public static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromDays(7);
    public const long MaxTokenLifetimeSeconds = 365L * 24 * 3600;

    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/auth").WithTags("Authentication");
        group.MapPost("/app-portal-access/{app_id}", AppPortalAccessAsync).WithName("v1.authentication.app-portal-access").WithSummary("Get Consumer App Portal Access")
            .AcceptsJson<AppPortalAccessIn>();
        group.MapPost("/logout", LogoutAsync).WithName("v1.authentication.logout").WithSummary("Logout");
        return api;
    }

    /// <summary>A new random token that reaches only this application; only its SHA-256 hash is stored.</summary>
    private static async Task<Ok<AppPortalAccessOut>> AppPortalAccessAsync(
        HttpContext context, IHooklineStore store, ApiBody body, TimeProvider time, PublicUrl publicUrl, [FromRoute(Name = "app_id")] string appId)
    {
        ApiCaller.Get(context).RequireAdmin();
        AppAccess.RequireIdOrUid("app_id", appId);
        var input = (await body.ReadAsync<AppPortalAccessIn>(context.Request, optional: true)).Value;
        var v = new Validation();
        input.Application?.Validate(v, ["body", "application"]);
        v.Names(["body", "featureFlags"], input.FeatureFlags, 256, 0, 100);
        v.Range(["body", "expiry"], input.Expiry, 1, MaxTokenLifetimeSeconds);
        v.ThrowIfAny();

        var app = await store.GetApplicationAsync(appId, context.RequestAborted);
        if (app is null || app.Kind != ApplicationKind.Normal)
        {
            if (input.Application is null)
            {
                throw ApiException.NotFound("Application not found");
            }
            if (input.Application.Uid is not null && input.Application.Uid != appId)
            {
                throw ApiException.Validation(["body", "application", "uid"], "Application UID in the path and body must match", "application_uid_mismatch");
            }
            app = await ApplicationApi.CreateApplicationAsync(store, time, input.Application, appId, context.RequestAborted);
        }

        var token = Tokens.Generate(Tokens.AppPrefix);
        var lifetime = input.Expiry is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultTokenLifetime;
        await store.CreateAppTokenAsync(Tokens.Hash(token), app.Id, time.GetUtcNow() + lifetime, context.RequestAborted);
        var url = $"{publicUrl.Get(context).TrimEnd('/')}/portal/{Uri.EscapeDataString(app.Id)}#token={Uri.EscapeDataString(token)}";
        return TypedResults.Ok(new AppPortalAccessOut(token, url));
    }

    /// <summary>Invalidates the calling application token at once, on every node. The admin token is configuration and is not affected.</summary>
    private static async Task<NoContent> LogoutAsync(HttpContext context, IAuthStore store)
    {
        var caller = ApiCaller.Get(context);
        if (!caller.IsAdmin)
        {
            await store.DeleteAppTokenAsync(caller.TokenHash, context.RequestAborted);
        }
        return TypedResults.NoContent();
    }
}
