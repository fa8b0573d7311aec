namespace Hookline.Server.Auth;

/// <summary>
/// Who is calling: the admin (every application), or a token scoped to one application — an
/// application's portal token, or a source-dashboard token (<see cref="IsSourceToken"/>), whose
/// application is the source's own.
/// </summary>
internal sealed record ApiCaller(string TokenHash, string? AppId, bool IsSourceToken = false)
{
    public bool IsAdmin => AppId is null;

    /// <summary>Organization-level operations (creating messages, managing applications and event types, …) need the admin token.</summary>
    public void RequireAdmin()
    {
        if (!IsAdmin)
        {
            throw Api.ApiException.Forbidden();
        }
    }

    /// <summary>
    /// What every application's portal may read (the event catalog) is not a source's: a
    /// source-dashboard token reaches its source and nothing else.
    /// </summary>
    public void RequireApplicationScope()
    {
        if (IsSourceToken)
        {
            throw Api.ApiException.Forbidden();
        }
    }

    public static ApiCaller Get(HttpContext context) =>
        context.Features.Get<ApiCaller>() ?? throw new InvalidOperationException("The request was not authenticated; is the route in the API group?");
}
