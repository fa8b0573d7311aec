using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hookline.Server.Api;

/// <summary>
/// The wire conventions of the Svix v1 API: camelCase, timestamps as ISO 8601 UTC with a
/// <c>Z</c>, numbers never read from strings (a string where a number belongs is a 422).
/// </summary>
internal static class ApiJson
{
    /// <summary>Deepest nesting accepted in a request body; deeper documents are refused with 400.</summary>
    public const int MaxDepth = 64;

    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.MaxDepth = MaxDepth;
        // API bodies are application/json, never embedded in HTML: keep quotes and non-ASCII readable.
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.Converters.Add(new UtcTimestampConverter());
        options.Converters.Add(new RawJsonConverter());
        return options;
    }

    /// <summary><c>2024-05-01T12:00:00.123Z</c>, as Svix writes timestamps.</summary>
    private sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            {
                return value;
            }
            throw new JsonException("The value is not an ISO 8601 date-time.");
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Format(value));
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return new RawJson(System.Text.Encoding.UTF8.GetBytes(document.RootElement.GetRawText()));
        }

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
            // The bytes were validated as JSON when they were accepted; writing them unchanged keeps
            // the payload byte-for-byte what the caller sent (and what was signed).
            writer.WriteRawValue(value.Utf8, skipInputValidation: true);
    }
}

/// <summary>A JSON value written out exactly as stored (a message payload).</summary>
public readonly record struct RawJson(byte[] Utf8)
{
    public static RawJson EmptyObject { get; } = new("{}"u8.ToArray());

    /// <summary>What Svix shows once a payload has been expunged or has expired.</summary>
    public static RawJson Expired { get; } = new("{\"expired\":true}"u8.ToArray());

    /// <summary>
    /// The stored bytes when they are one JSON value, else the bytes as a JSON string. Inbound
    /// requests forwarded as messages may carry bodies that are not JSON (form posts).
    /// </summary>
    public static RawJson FromStored(byte[]? payload)
    {
        if (payload is null)
        {
            return Expired;
        }
        if (IsSingleJsonValue(payload))
        {
            return new RawJson(payload);
        }
        var text = System.Text.Encoding.UTF8.GetString(payload);
        return new RawJson(JsonSerializer.SerializeToUtf8Bytes(text));
    }

    private static bool IsSingleJsonValue(byte[] bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 1024 });
            if (!reader.Read())
            {
                return false;
            }
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
