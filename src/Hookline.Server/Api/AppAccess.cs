using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Auth;

namespace Hookline.Server.Api;

/// <summary>
/// Resolves <c>{app_id}</c> (an id or a uid) for the caller. Internal applications (operational
/// webhooks, ingest sources) are not reachable here, and an application token sees only its own
/// application: any other answers 404, exactly as a missing one does.
/// </summary>
internal static class AppAccess
{
    public static async Task<Application> GetAsync(HttpContext context, IApplicationStore store, string appIdOrUid, bool adminOnly = false)
    {
        var caller = ApiCaller.Get(context);
        if (adminOnly)
        {
            caller.RequireAdmin();
        }
        RequireIdOrUid("app_id", appIdOrUid);
        var app = await store.GetApplicationAsync(appIdOrUid, context.RequestAborted);
        if (app is null || app.Kind != ApplicationKind.Normal || (caller.AppId is { } scoped && scoped != app.Id))
        {
            throw ApiException.NotFound("Application not found");
        }
        return app;
    }

    /// <summary>Path ids and uids follow the uid pattern; anything else cannot name an object (422, as Svix answers).</summary>
    public static void RequireIdOrUid(string parameter, string value)
    {
        if (!Validation.IsName(value))
        {
            throw ApiException.Validation(["path", parameter], $"string does not match regex \"{Validation.NamePattern}\" (at most 256 characters)", "value_error.str.regex");
        }
    }
}
