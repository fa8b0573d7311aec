using System.Net;
using System.Text.Json;

namespace Hookline.Console.Api;

/// <summary>
/// The API refused a request (4xx) or could not answer (5xx, network). <see cref="Exception.Message"/>
/// is the API's own reason, readable as it stands, so views show it to the person who asked.
/// </summary>
public sealed class HooklineApiException : Exception
{
    public HooklineApiException()
    {
    }

    public HooklineApiException(string message)
        : base(message)
    {
    }

    public HooklineApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HooklineApiException(HttpStatusCode status, string message)
        : base(message)
    {
        Status = status;
    }

    /// <summary>The HTTP status, or null when no response came.</summary>
    public HttpStatusCode? Status { get; }

    /// <summary>The token was refused (401): the session ended, or the portal link expired.</summary>
    public bool IsUnauthorized => Status == HttpStatusCode.Unauthorized;

    public bool IsNotFound => Status == HttpStatusCode.NotFound;

    /// <summary>Reads Svix's error shapes: <c>{code, detail}</c>, or a 422's <c>{detail: [{loc, msg}]}</c>.</summary>
    internal static HooklineApiException From(HttpStatusCode status, string body)
    {
        var reason = $"The server answered {(int)status} {status}.";
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("detail", out var detail))
            {
                if (detail.ValueKind == JsonValueKind.String)
                {
                    reason = detail.GetString() ?? reason;
                }
                else if (detail.ValueKind == JsonValueKind.Array)
                {
                    reason = string.Join("; ", detail.EnumerateArray().Select(Describe));
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page): the status line is all there is.
        }
        return new HooklineApiException(status, reason);
    }

    /// <summary>"url: must be https" from <c>{"loc": ["body", "url"], "msg": "must be https"}</c>.</summary>
    private static string Describe(JsonElement item)
    {
        var msg = item.TryGetProperty("msg", out var m) ? m.GetString() : null;
        var loc = item.TryGetProperty("loc", out var l) && l.ValueKind == JsonValueKind.Array
            ? string.Join('.', l.EnumerateArray().Select(p => p.ToString()).Where(p => p is not "body" and not "query" and not "path"))
            : "";
        return loc.Length > 0 ? $"{loc}: {msg}" : msg ?? "invalid";
    }
}
