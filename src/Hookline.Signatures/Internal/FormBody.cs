using System.Net;
using System.Text;

namespace Hookline.Signatures.Internal;

/// <summary>Parses <c>application/x-www-form-urlencoded</c> bodies without throwing.</summary>
internal static class FormBody
{
    public static List<KeyValuePair<string, string>> Parse(ReadOnlySpan<byte> body)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (body.IsEmpty)
        {
            return pairs;
        }

        var text = Encoding.UTF8.GetString(body);
        foreach (var range in text.AsSpan().Split('&'))
        {
            var part = text.AsSpan(range);
            if (part.IsEmpty)
            {
                continue;
            }

            var eq = part.IndexOf('=');
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? ReadOnlySpan<char>.Empty : part[(eq + 1)..];
            pairs.Add(new KeyValuePair<string, string>(Decode(key), Decode(value)));
        }

        return pairs;
    }

    /// <summary>Percent-decodes (UTF-8) with '+' as space; malformed escapes are kept literally (WebUtility never throws).</summary>
    public static string Decode(ReadOnlySpan<char> value) => WebUtility.UrlDecode(value.ToString()) ?? string.Empty;
}
