using System.Text;

namespace Hookline.Signatures.Internal;

/// <summary>
/// A parsed signed-content template such as <c>v0:{timestamp}:{body}</c>: literal segments and
/// placeholders, parsed once at construction so per-request work is only copying bytes.
/// </summary>
internal sealed class SignedTemplate
{
    private readonly Segment[] _segments;

    private SignedTemplate(Segment[] segments)
    {
        _segments = segments;
        UsesId = segments.Any(s => s.Kind == SegmentKind.Id);
        UsesTimestamp = segments.Any(s => s.Kind == SegmentKind.Timestamp);
        UsesUrl = segments.Any(s => s.Kind == SegmentKind.Url);
    }

    public enum SegmentKind
    {
        Literal,
        Id,
        Timestamp,
        Url,
        Method,
        Body,
    }

    public bool UsesId { get; }

    public bool UsesTimestamp { get; }

    public bool UsesUrl { get; }

    public static SignedTemplate Parse(string template, out string? error)
    {
        error = null;
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                if (end < 0)
                {
                    error = "The template has an unclosed '{'.";
                    break;
                }

                var kind = template.AsSpan(i + 1, end - i - 1) switch
                {
                    "id" => SegmentKind.Id,
                    "timestamp" => SegmentKind.Timestamp,
                    "url" => SegmentKind.Url,
                    "method" => SegmentKind.Method,
                    "body" => SegmentKind.Body,
                    _ => SegmentKind.Literal,
                };
                if (kind == SegmentKind.Literal)
                {
                    error = $"Unknown template placeholder '{template[i..(end + 1)]}'; use {{id}}, {{timestamp}}, {{url}}, {{method}} or {{body}}.";
                    break;
                }

                Flush(literal, segments);
                segments.Add(new Segment(kind, null));
                i = end;
            }
            else if (c == '}')
            {
                error = "The template has an unmatched '}' (write '}}' for a literal brace).";
                break;
            }
            else
            {
                literal.Append(c);
            }
        }

        Flush(literal, segments);
        if (error is null && !segments.Any(s => s.Kind == SegmentKind.Body))
        {
            error = "The template must include {body}: a signature that does not cover the body protects nothing.";
        }

        return new SignedTemplate(segments.ToArray());
    }

    public void Write(ref ContentBuilder content, string? id, string? timestamp, string? url, string method, ReadOnlySpan<byte> body)
    {
        foreach (var segment in _segments)
        {
            switch (segment.Kind)
            {
                case SegmentKind.Literal:
                    content.Append(segment.Literal);
                    break;
                case SegmentKind.Id:
                    content.Append((id ?? string.Empty).AsSpan());
                    break;
                case SegmentKind.Timestamp:
                    content.Append((timestamp ?? string.Empty).AsSpan());
                    break;
                case SegmentKind.Url:
                    content.Append((url ?? string.Empty).AsSpan());
                    break;
                case SegmentKind.Method:
                    content.Append(method.AsSpan());
                    break;
                default:
                    content.Append(body);
                    break;
            }
        }
    }

    private static void Flush(StringBuilder literal, List<Segment> segments)
    {
        if (literal.Length > 0)
        {
            segments.Add(new Segment(SegmentKind.Literal, Encoding.UTF8.GetBytes(literal.ToString())));
            literal.Clear();
        }
    }

    private readonly record struct Segment(SegmentKind Kind, byte[]? Literal);
}
