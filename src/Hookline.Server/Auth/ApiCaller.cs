namespace Hookline.Server.Auth;

/// <summary>Who is calling: the admin (every application), or an application-scoped token (one application).</summary>
internal sealed record ApiCaller(string TokenHash, string? AppId)
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

    public static ApiCaller Get(HttpContext context) =>
        context.Features.Get<ApiCaller>() ?? throw new InvalidOperationException("The request was not authenticated; is the route in the API group?");
}
