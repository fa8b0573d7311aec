using System.Globalization;
using Hookline.Signatures.Providers;

namespace Hookline.Signatures.Internal;

/// <summary>Signs requests for any <see cref="HmacScheme"/> as its provider would. Thread-safe.</summary>
internal sealed class HmacSchemeSigner : IWebhookSigner
{
    private readonly HmacScheme _scheme;
    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public HmacSchemeSigner(HmacScheme scheme, byte[] key, TimeProvider? timeProvider)
    {
        _scheme = scheme;
        _key = key;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Type => _scheme.Type;

    /// <summary>Extra headers a provider always sends next to the signature (e.g. GitHub's SHA-1 one).</summary>
    public Func<ReadOnlySpan<byte>, IEnumerable<KeyValuePair<string, string>>>? Extra { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null)
    {
        var scheme = _scheme;
        url = scheme.FixedUrl ?? url;
        if (scheme.Template.UsesUrl && string.IsNullOrEmpty(url))
        {
            throw new ArgumentException($"{scheme.Provider} signs the URL; pass the URL that will be called.", nameof(url));
        }

        var headers = new List<KeyValuePair<string, string>>(4);
        string? id = null;
        if (scheme.IdHeader is not null)
        {
            id = deliveryId ?? Guid.NewGuid().ToString();
            headers.Add(new(scheme.IdHeader, id));
        }

        string? timestamp = null;
        if (scheme.TimestampHeader is not null)
        {
            var now = _time.GetUtcNow();
            timestamp = scheme.TimestampFormat switch
            {
                TimestampFormat.UnixMilliseconds => now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                TimestampFormat.Rfc3339 => now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                _ => now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            };
            headers.Add(new(scheme.TimestampHeader, timestamp));
        }
        else if (scheme.TimestampBodyField is not null)
        {
            timestamp = JsonPeek.GetScalar(body, scheme.TimestampBodyField);
        }

        var content = new ContentBuilder(body.Length + 256);
        string signature;
        try
        {
            scheme.Template.Write(ref content, id, timestamp, url, "POST", body);
            signature = scheme.Encoding == SignatureEncoding.Hex
                ? Mac.ComputeHex(scheme.Algorithm, _key, content.Written)
                : Mac.ComputeBase64(scheme.Algorithm, _key, content.Written);
        }
        finally
        {
            content.Dispose();
        }

        headers.Insert(0, new(scheme.SignatureHeader, scheme.Prefix + signature));
        if (Extra is not null)
        {
            headers.AddRange(Extra(body));
        }

        return headers;
    }
}
