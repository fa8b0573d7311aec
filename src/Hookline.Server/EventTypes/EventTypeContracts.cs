using System.Text.Json;
using Hookline.Core.Model;
using Hookline.Server.Api;

namespace Hookline.Server.EventTypes;

/// <summary>Svix <c>EventTypeIn</c> (and, without <c>name</c>, <c>EventTypeUpdate</c>).</summary>
public sealed record EventTypeIn
{
    public string? Name { get; init; }
    public string? Description { get; init; }

    /// <summary>Versioned JSON schemas, e.g. <c>{"1": {…}}</c>.</summary>
    public JsonElement? Schemas { get; init; }
    public bool? Archived { get; init; }
    public bool? Deprecated { get; init; }
    public string? FeatureFlag { get; init; }

    internal void Validate(Validation v, bool requireName)
    {
        if (requireName && Name is null)
        {
            v.Missing(["body", "name"]);
        }
        v.Name(["body", "name"], Name);
        if (Description is null)
        {
            v.Missing(["body", "description"]);
        }
        v.Name(["body", "featureFlag"], FeatureFlag);
        EventTypeRules.ValidateSchemas(v, Schemas);
    }
}

/// <summary>Svix <c>EventTypePatch</c>: only the fields present change.</summary>
public sealed record EventTypePatch
{
    public string? Description { get; init; }
    public JsonElement? Schemas { get; init; }
    public bool? Archived { get; init; }
    public bool? Deprecated { get; init; }
    public string? FeatureFlag { get; init; }
}

/// <summary>Svix <c>EventTypeOut</c>.</summary>
public sealed record EventTypeOut(
    string Name,
    string Description,
    RawJson? Schemas,
    bool Archived,
    bool Deprecated,
    string? FeatureFlag,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static EventTypeOut From(EventType e, bool withContent = true) => new(
        e.Name, e.Description,
        withContent && e.SchemasJson is { } s ? new RawJson(System.Text.Encoding.UTF8.GetBytes(s)) : null,
        e.Archived, e.Deprecated, e.FeatureFlag, e.CreatedAt, e.UpdatedAt);
}

internal static class EventTypeRules
{
    public static void ValidateSchemas(Validation v, JsonElement? schemas)
    {
        if (schemas is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            v.Add(["body", "schemas"], "value is not a valid dict", "type_error.dict");
            return;
        }
        foreach (var version in element.EnumerateObject())
        {
            if (version.Value.ValueKind != JsonValueKind.Object)
            {
                v.Add(["body", "schemas", version.Name], "value is not a valid dict", "type_error.dict");
            }
        }
    }

    public static string? SchemasText(JsonElement? schemas) =>
        schemas is { ValueKind: JsonValueKind.Object } element ? element.GetRawText() : null;
}

/// <summary>Picks an example payload out of an event type's schemas.</summary>
internal static class SchemaExamples
{
    public static byte[] ExamplePayload(string? schemasJson)
    {
        if (schemasJson is null)
        {
            return "{}"u8.ToArray();
        }
        try
        {
            using var document = JsonDocument.Parse(schemasJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "{}"u8.ToArray();
            }
            // Version "1" first (Svix's convention), else the highest numbered version, else any.
            var versions = document.RootElement.EnumerateObject().ToList();
            var schema = versions.FirstOrDefault(p => p.Name == "1").Value;
            if (schema.ValueKind != JsonValueKind.Object)
            {
                schema = versions
                    .OrderByDescending(p => int.TryParse(p.Name, out var n) ? n : int.MinValue)
                    .Select(p => p.Value)
                    .FirstOrDefault(s => s.ValueKind == JsonValueKind.Object);
            }
            if (schema.ValueKind == JsonValueKind.Object)
            {
                if (schema.TryGetProperty("examples", out var examples) && examples.ValueKind == JsonValueKind.Array
                    && examples.GetArrayLength() > 0 && examples[0].ValueKind == JsonValueKind.Object)
                {
                    return System.Text.Encoding.UTF8.GetBytes(examples[0].GetRawText());
                }
                if (schema.TryGetProperty("example", out var example) && example.ValueKind == JsonValueKind.Object)
                {
                    return System.Text.Encoding.UTF8.GetBytes(example.GetRawText());
                }
            }
        }
        catch (JsonException)
        {
            // Stored schemas are validated on the way in; fall back to an empty object regardless.
        }
        return "{}"u8.ToArray();
    }
}
