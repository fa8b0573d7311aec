namespace Hookline.Server.Tests.Telemetry;

/// <summary>One span as an OTLP collector receives it.</summary>
internal sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Reads spans from an OTLP/HTTP protobuf <c>ExportTraceServiceRequest</c> (what the exporter posts to
/// <c>/v1/traces</c>): just the fields the tests look at, read from the wire format directly.
/// </summary>
internal static class OtlpTraces
{
    public static IEnumerable<OtlpSpan> Read(byte[] body)
    {
        foreach (var resourceSpans in Fields(body, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    yield return Span(span);
                }
            }
        }
    }

    private static OtlpSpan Span(byte[] span)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Fields(span, 9))
        {
            var key = Text(Fields(keyValue, 1).FirstOrDefault());
            var value = Fields(keyValue, 2).FirstOrDefault() is { } any ? AnyValue(any) : "";
            attributes[key] = value;
        }
        return new OtlpSpan(
            Hex(Fields(span, 1).FirstOrDefault()),
            Hex(Fields(span, 2).FirstOrDefault()),
            Hex(Fields(span, 4).FirstOrDefault()),
            Text(Fields(span, 5).FirstOrDefault()),
            attributes);
    }

    /// <summary>An <c>AnyValue</c> as text: string (1), bool (2) or int (3).</summary>
    private static string AnyValue(byte[] any)
    {
        foreach (var (field, wire, bytes, number) in Decode(any))
        {
            return (field, wire) switch
            {
                (1, 2) => Text(bytes),
                (2, 0) => number != 0 ? "true" : "false",
                (3, 0) => ((long)number).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            };
        }
        return "";
    }

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    private static string Text(byte[]? bytes) => bytes is null ? "" : System.Text.Encoding.UTF8.GetString(bytes);

    private static IEnumerable<byte[]> Fields(byte[] message, int number) =>
        Decode(message).Where(f => f.Field == number && f.Wire == 2).Select(f => f.Bytes!);

    /// <summary>The fields of a protobuf message: number, wire type, bytes (length-delimited) or value (varint, fixed).</summary>
    private static List<(int Field, int Wire, byte[]? Bytes, ulong Number)> Decode(byte[] message)
    {
        var fields = new List<(int, int, byte[]?, ulong)>();
        var i = 0;
        while (i < message.Length)
        {
            var tag = Varint(message, ref i);
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (wire)
            {
                case 0:
                    fields.Add((field, wire, null, Varint(message, ref i)));
                    break;
                case 1:
                    fields.Add((field, wire, null, BitConverter.ToUInt64(message, i)));
                    i += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref i);
                    fields.Add((field, wire, message[i..(i + length)], 0));
                    i += length;
                    break;
                case 5:
                    fields.Add((field, wire, null, BitConverter.ToUInt32(message, i)));
                    i += 4;
                    break;
                default:
                    throw new FormatException($"Unexpected protobuf wire type {wire}.");
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] message, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
