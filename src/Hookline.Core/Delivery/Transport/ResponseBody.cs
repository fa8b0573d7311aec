namespace Hookline.Core.Delivery.Transport;

/// <summary>How <see cref="ResponseBody.Content"/> is encoded.</summary>
public enum ResponseBodyEncoding
{
    /// <summary>The bytes were valid UTF-8 and are stored as text.</summary>
    Utf8,
    /// <summary>The bytes were not text and are stored base64-encoded.</summary>
    Base64,
}

/// <summary>The first bytes of a receiver's response body, as the attempt log stores them.</summary>
/// <param name="Content">The body as text, or base64 when <paramref name="Encoding"/> says so.</param>
/// <param name="Encoding">Whether <paramref name="Content"/> is text or base64.</param>
/// <param name="ByteCount">How many body bytes <paramref name="Content"/> represents.</param>
/// <param name="IsTruncated">Whether the body was longer than the limit and was cut.</param>
public sealed record ResponseBody(string Content, ResponseBodyEncoding Encoding, int ByteCount, bool IsTruncated)
{
    /// <summary>No body.</summary>
    public static ResponseBody Empty { get; } = new("", ResponseBodyEncoding.Utf8, 0, false);
}
