using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Hookline.Core.Delivery.Transport;

/// <summary>
/// Reads at most a fixed number of bytes of a response body without buffering the rest, and
/// returns them as text when they are UTF-8, base64 otherwise.
/// </summary>
public static class ResponseBodyReader
{
    /// <summary>The default limit, 20 KB (see <see cref="DeliveryOptions.MaxResponseBodyBytes"/>).</summary>
    public const int DefaultMaxBytes = 20 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads the start of a response body. Send the request with
    /// <see cref="HttpCompletionOption.ResponseHeadersRead"/>, otherwise HttpClient has already
    /// buffered the whole body before this runs.
    /// </summary>
    public static async Task<ResponseBody> ReadAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsync(stream, maxBytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> bytes from a stream.</summary>
    public static async Task<ResponseBody> ReadAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(maxBytes, 1));
        try
        {
            var count = 0;
            while (count < maxBytes)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(count, maxBytes - count), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                count += read;
            }

            // One byte more tells "exactly the limit" from "longer"; the rest is never read.
            var truncated = count == maxBytes
                && await stream.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0;

            return count == 0 && !truncated ? ResponseBody.Empty : Encode(buffer.AsSpan(0, count), truncated);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ResponseBody Encode(ReadOnlySpan<byte> bytes, bool truncated)
    {
        var text = bytes;
        if (truncated && !Utf8.IsValid(text))
        {
            // The cut may split a multi-byte character; drop that partial character, not the text.
            for (var k = 1; k <= 3 && k <= bytes.Length; k++)
            {
                if (Rune.DecodeFromUtf8(bytes[^k..], out _, out _) == OperationStatus.NeedMoreData && Utf8.IsValid(bytes[..^k]))
                {
                    text = bytes[..^k];
                    break;
                }
            }
        }

        // NUL is valid UTF-8 but not storable in a PostgreSQL text column, and it signals binary anyway.
        if (Utf8.IsValid(text) && !text.Contains((byte)0))
        {
            return new ResponseBody(StrictUtf8.GetString(text), ResponseBodyEncoding.Utf8, text.Length, truncated);
        }
        return new ResponseBody(Convert.ToBase64String(bytes), ResponseBodyEncoding.Base64, bytes.Length, truncated);
    }
}
