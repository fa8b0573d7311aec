using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Hookline.Cli.Infrastructure;

/// <summary>
/// The Hookline management API as the CLI uses it: JSON in, <see cref="JsonElement"/> out, and every
/// failure turned into a one-line <see cref="CliException"/> with its exit code (unreachable server,
/// 401/403, 404, 4xx with the server's reason, 5xx).
/// </summary>
internal sealed class HooklineApi : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    public HooklineApi(string server, string? token, HttpMessageHandler? handler = null)
    {
        Server = server.TrimEnd('/');
        Token = token;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = new Uri(Server + "/");
        _http.Timeout = RequestTimeout;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("hookline-cli", Version));
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public string Server { get; }

    public string? Token { get; }

    public static string Version { get; } = typeof(HooklineApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, CliJson.Options), cancellationToken);

    /// <summary>Posts a body that is already JSON (a payload exactly as the user wrote it).</summary>
    public Task<JsonElement> PostRawAsync(string path, byte[] json, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, json, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>Escapes one path segment (an id, uid or event type name).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the Hookline server at {Server} did not answer within {RequestTimeout.TotalSeconds:0} s", ExitCodes.Unreachable);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                if (text.Length == 0)
                {
                    return default;
                }
                try
                {
                    using var document = JsonDocument.Parse(text);
                    return document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw new CliException($"{Server} answered {(int)response.StatusCode} with something that is not JSON; is it a Hookline server?", ExitCodes.ApiError);
                }
            }
            throw Failure(response.StatusCode, text);
        }
    }

    public CliException Unreachable(Exception ex)
    {
        var root = ex;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }
        var reason = root is SocketException socket ? socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
            SocketError.TimedOut => "timed out",
            _ => root.Message,
        } : root.Message;
        return new CliException(
            $"cannot reach the Hookline server at {Server}: {reason} (is it running? set --server or {CliSettings.ServerVariable})",
            ExitCodes.Unreachable);
    }

    /// <summary>A one-line error from an API error answer (<c>{code, detail}</c>; 422 lists <c>loc: msg</c>).</summary>
    public static CliException Failure(HttpStatusCode status, string body)
    {
        var code = (int)status;
        var detail = Detail(body);
        return code switch
        {
            401 => new CliException(
                $"the server refused the token (401{(detail is null ? "" : ": " + detail)}); set --token or {CliSettings.TokenVariable}, or run 'hookline login'",
                ExitCodes.Unauthorized),
            403 => new CliException($"this token may not do that (403{(detail is null ? "" : ": " + detail)}); use the admin token", ExitCodes.Unauthorized),
            404 => new CliException($"not found (404){(detail is null ? "" : ": " + detail)}", ExitCodes.NotFound),
            _ => new CliException($"the server answered {code}{(detail is null ? "" : ": " + detail)}", ExitCodes.ApiError),
        };
    }

    private static string? Detail(string body)
    {
        if (body.Length == 0)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("detail", out var detail))
            {
                return null;
            }
            if (detail.ValueKind == JsonValueKind.String)
            {
                return detail.GetString();
            }
            if (detail.ValueKind == JsonValueKind.Array)
            {
                var items = new List<string>();
                foreach (var item in detail.EnumerateArray())
                {
                    var loc = item.TryGetProperty("loc", out var l) && l.ValueKind == JsonValueKind.Array
                        ? string.Join('.', l.EnumerateArray().Select(x => x.ToString()))
                        : "";
                    var msg = item.TryGetProperty("msg", out var m) ? m.ToString() : item.ToString();
                    items.Add(loc.Length > 0 ? $"{loc}: {msg}" : msg);
                }
                return string.Join("; ", items);
            }
            return detail.ToString();
        }
        catch (JsonException)
        {
            var line = body.Split('\n', 2)[0].Trim();
            return line.Length > 200 ? line[..200] + "…" : line;
        }
    }

    public void Dispose() => _http.Dispose();
}

internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string? Str(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    public static string Text(this JsonElement element, string property) => element.Str(property) ?? "";

    public static string Encode(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
}
