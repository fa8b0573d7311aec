using System.Text;
using System.Text.Json;

namespace Hookline.Signatures.Internal;

/// <summary>
/// Reads a few top-level (or one-level nested) values from a JSON body without building a DOM and
/// without throwing: used to pull delivery ids and handshake fields out of provider payloads.
/// </summary>
internal static class JsonPeek
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>
    /// The value of <c>body[name]</c> (or <c>body[parent][name]</c>) as text when it is a string or
    /// a number; null when absent, of another kind, or the body is not a JSON object.
    /// </summary>
    public static string? GetScalar(ReadOnlySpan<byte> body, string name, string? parent = null)
    {
        try
        {
            var reader = new Utf8JsonReader(body, Options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var targetDepth = parent is null ? 1 : 2;
            var inParent = parent is null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    return null;
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var depth = reader.CurrentDepth;
                if (parent is not null && depth == 1)
                {
                    inParent = reader.ValueTextEquals(parent);
                    if (!inParent)
                    {
                        reader.Read();
                        reader.Skip();
                    }

                    continue;
                }

                if (depth == targetDepth && inParent && reader.ValueTextEquals(name))
                {
                    reader.Read();
                    return reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                        _ => null,
                    };
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON, or cut short: there is simply no such value.
        }
        catch (InvalidOperationException)
        {
            // Skip() on a partial buffer; same meaning.
        }

        return null;
    }
}
