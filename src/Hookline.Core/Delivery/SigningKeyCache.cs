using System.Collections.Concurrent;
using Hookline.Signatures.StandardWebhooks;

namespace Hookline.Core.Delivery;

/// <summary>
/// Parsed signing secrets by their text, so each attempt signs without decoding base64 or
/// importing an Ed25519 key again. Bounded: when it grows past its size, it starts over.
/// </summary>
internal sealed class SigningKeyCache : IDisposable
{
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, StandardWebhookSecret> _keys = new(StringComparer.Ordinal);

    public StandardWebhookSecret Get(string secret)
    {
        if (_keys.TryGetValue(secret, out var parsed))
        {
            return parsed;
        }
        if (_keys.Count >= MaxEntries)
        {
            // Entries may still be in use by a signing call in flight, so they are not disposed here;
            // the garbage collector finalizes the native key handles.
            _keys.Clear();
        }
        parsed = StandardWebhookSecret.Parse(secret);
        return _keys.GetOrAdd(secret, parsed);
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
        _keys.Clear();
    }
}
