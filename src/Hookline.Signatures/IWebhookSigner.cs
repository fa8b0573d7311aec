namespace Hookline.Signatures;

/// <summary>
/// Signs a request exactly as a provider would, for tests and developer tools that imitate the
/// provider. Implementations are thread-safe.
/// </summary>
public interface IWebhookSigner
{
    /// <summary>The scheme type name, for example <c>stripe</c>.</summary>
    string Type { get; }

    /// <summary>Computes the headers the provider would send with <paramref name="body"/>.</summary>
    /// <param name="body">The exact body bytes that will be sent.</param>
    /// <param name="url">The URL that will be called; required by URL-signed schemes (Twilio, Square).</param>
    /// <param name="deliveryId">The delivery id to send, where the scheme has one; generated when <see langword="null"/>.</param>
    /// <returns>The headers to add to the request, in order.</returns>
    IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string? url = null, string? deliveryId = null);
}
