namespace Hookline.Console.Session;

/// <summary>What a Console session may reach, as the API's tokens define it.</summary>
public enum SessionScope
{
    /// <summary>Not signed in (a portal page before its link was read, or after it was found invalid).</summary>
    None = 0,

    /// <summary>The operator dashboard: the admin token, every application.</summary>
    Admin = 1,

    /// <summary>A consumer portal: an application token from <c>app-portal-access</c>, one application.</summary>
    Application = 2,

    /// <summary>An ingest source's portal: a token from the source's <c>dashboard</c> call, one source.</summary>
    Source = 3,
}

/// <summary>
/// The token one browser tab's Console works with, for the life of its circuit. The dashboard's comes
/// from the sign-in cookie; a portal's from its link (the URL fragment, which never reaches a server
/// log or a <c>Referer</c> header). Nothing is stored on the server beyond the circuit.
/// </summary>
public sealed class ConsoleSession
{
    public string? Token { get; private set; }

    public SessionScope Scope { get; private set; }

    /// <summary>The application (portal) or source (source portal) the token was issued for.</summary>
    public string? ScopeId { get; private set; }

    public void SignIn(string token, SessionScope scope, string? scopeId = null)
    {
        Token = token;
        Scope = scope;
        ScopeId = scopeId;
    }

    public void SignOut()
    {
        Token = null;
        Scope = SessionScope.None;
        ScopeId = null;
    }
}
