using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Api;

/// <summary>A parsed request body and the names of the top-level properties it spelled out (PATCH needs "absent" vs "null").</summary>
internal sealed record Body<T>(T Value, IReadOnlySet<string> Present)
{
    public bool Has(string property) => Present.Contains(property);
}

/// <summary>
/// Reads JSON request bodies under the size limit and turns every way a body can be wrong into
/// a 4xx: over the limit 413, not JSON 400, JSON of the wrong shape 422 with the field's path.
/// Any content type is read as JSON (curl's default form content type included).
/// </summary>
internal sealed class ApiBody
{
    private readonly IOptionsMonitor<HooklineServerOptions> _options;

    public ApiBody(IOptionsMonitor<HooklineServerOptions> options) => _options = options;

    public long MaxBytes => _options.CurrentValue.Limits.MaxPayloadBytes;

    public async Task<Body<T>> ReadAsync<T>(HttpRequest request, bool optional = false)
        where T : class, new()
    {
        var bytes = await ReadBytesAsync(request);
        if (bytes.Length == 0 || IsWhitespace(bytes))
        {
            if (optional)
            {
                return new Body<T>(new T(), new HashSet<string>());
            }
            throw ApiException.BadRequest("The request body is empty; a JSON object is expected.", "invalid_json");
        }
        return Parse<T>(bytes);
    }

    public static Body<T> Parse<T>(byte[] bytes)
        where T : class
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw ApiException.BadRequest("The request body is not valid UTF-8 (JSON is UTF-8).", "invalid_json");
        }
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(bytes, ApiJson.Options);
        }
        catch (JsonException ex)
        {
            throw Classify(bytes, ex);
        }
        catch (InvalidOperationException ex)
        {
            // STJ reports a few shape problems (e.g. a value too deep for a converter) this way.
            throw ApiException.BadRequest($"The request body could not be read: {ex.Message}", "invalid_json");
        }
        if (value is null)
        {
            throw ApiException.Validation(["body"], "value is not a valid dict", "type_error.dict");
        }
        return new Body<T>(value, TopLevelProperties(bytes));
    }

    public async Task<byte[]> ReadBytesAsync(HttpRequest request)
    {
        var limit = MaxBytes;
        if (request.ContentLength is { } declared && declared > limit)
        {
            throw ApiException.PayloadTooLarge(limit);
        }
        var initial = (int)Math.Min(request.ContentLength ?? 4096, limit + 1);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 256));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        throw ApiException.PayloadTooLarge(limit);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > limit)
                {
                    throw ApiException.PayloadTooLarge(limit);
                }
            }
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsWhitespace(byte[] bytes) => bytes.AsSpan().IndexOfAnyExcept(" \t\r\n"u8) < 0;

    /// <summary>Malformed JSON is a 400; well-formed JSON with a wrongly typed field is a 422 naming the field.</summary>
    private static ApiException Classify(byte[] bytes, JsonException ex)
    {
        try
        {
            using var _ = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = ApiJson.MaxDepth });
        }
        catch (JsonException syntax)
        {
            return ApiException.BadRequest($"The request body is not valid JSON: {Describe(syntax)}", "invalid_json");
        }
        var loc = new List<string> { "body" };
        loc.AddRange(PathSegments(ex.Path));
        var field = loc.Count > 1 ? loc[^1] : "body";
        return ApiException.Validation([.. loc], $"value has the wrong type for '{field}'", "type_error");
    }

    private static string Describe(JsonException ex)
    {
        // The serializer's messages name .NET types; keep the position, which is what helps.
        var where = ex.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {ex.BytePositionInLine + 1})")
            : "";
        var reason = ex.Message.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0].TrimEnd('.', ' ');
        return reason + where + ".";
    }

    /// <summary><c>$.channels[2]</c> → <c>channels</c>, <c>2</c>.</summary>
    internal static List<string> PathSegments(string? path)
    {
        var segments = new List<string>();
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return segments;
        }
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0)
                {
                    break;
                }
                segments.Add(path[(i + 1)..end].Trim('\''));
                i = end + 1;
            }
            else
            {
                i++;
            }
        }
        return segments;
    }

    private static HashSet<string> TopLevelProperties(byte[] bytes)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = ApiJson.MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return names;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            names.Add(reader.GetString()!);
            reader.Read();
            reader.Skip();
        }
        return names;
    }
}
