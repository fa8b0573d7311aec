using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hookline.Console.Session;

namespace Hookline.Console.Api;

/// <summary>
/// The Console's only way to data: Hookline's own management API, called with the token of the person
/// using the Console (the admin token for the dashboard, an application's portal token for the
/// portal). What a view may see or change is therefore decided by the API's authorization, and
/// nothing else; there is no second data path with rules of its own.
/// </summary>
public sealed class HooklineApiClient
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly ConsoleSession _session;

    public HooklineApiClient(HttpClient http, ConsoleSession session)
    {
        _http = http;
        _session = session;
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Get, path, content: null, cancellationToken);

    public Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    public Task<T> PatchAsync<T>(string path, object body, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Patch, path, body, cancellationToken);

    public Task<T> PutAsync<T>(string path, object body, CancellationToken cancellationToken = default) =>
        SendAsync<T>(HttpMethod.Put, path, body, cancellationToken);

    public Task PostAsync(string path, object? body, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement?>(HttpMethod.Post, path, body, cancellationToken);

    public Task DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, path, content: null, cancellationToken);

    /// <summary>A list page: <paramref name="query"/> holds the filters; <c>limit</c> and <c>iterator</c> are added.</summary>
    public Task<ListResponse<T>> ListAsync<T>(string path, int limit, string? iterator, IEnumerable<KeyValuePair<string, string?>>? query = null, CancellationToken cancellationToken = default)
    {
        var parameters = new List<KeyValuePair<string, string?>> { new("limit", limit.ToString(CultureInfo.InvariantCulture)) };
        if (iterator is not null)
        {
            parameters.Add(new("iterator", iterator));
        }
        if (query is not null)
        {
            parameters.AddRange(query);
        }
        return GetAsync<ListResponse<T>>(WithQuery(path, parameters), cancellationToken);
    }

    /// <summary>Appends query parameters (null values are left out; a parameter may repeat).</summary>
    public static string WithQuery(string path, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var builder = new StringBuilder(path);
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (key, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }
            builder.Append(separator).Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        return builder.ToString();
    }

    /// <summary>One path segment, escaped (ids typed into a URL by hand reach the API as they are, and it decides).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? content, CancellationToken cancellationToken)
    {
        if (_session.Token is not { } token)
        {
            throw new HooklineApiException(System.Net.HttpStatusCode.Unauthorized, "Not signed in.");
        }
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (content is not null)
        {
            request.Content = JsonContent.Create(content, content.GetType(), options: Json);
        }
        else if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new HooklineApiException("The Hookline API could not be reached: " + e.Message, e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw HooklineApiException.From(response.StatusCode, body);
            }
            if (body.Length == 0)
            {
                return default!;
            }
            return JsonSerializer.Deserialize<T>(body, Json)!;
        }
    }
}
