namespace Hookline.Signatures;

/// <summary>
/// A received webhook request exactly as it arrived: method, the URL the provider called, the
/// headers and the raw body bytes. Verifiers work on these bytes, never on re-serialized JSON.
/// </summary>
public sealed class WebhookRequest
{
    /// <summary>Creates a request to verify.</summary>
    /// <param name="headers">The request headers.</param>
    /// <param name="body">The raw body bytes, as received.</param>
    /// <param name="url">
    /// The full URL as the provider called it (scheme, host, port, path and query). Required by
    /// URL-signed schemes (Twilio, Square): behind a proxy, pass the public URL, not the internal one.
    /// </param>
    /// <param name="method">The HTTP method; <c>POST</c> when not given.</param>
    public WebhookRequest(WebhookHeaders headers, ReadOnlyMemory<byte> body, string? url = null, string method = "POST")
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentException.ThrowIfNullOrEmpty(method);
        Headers = headers;
        Body = body;
        Url = url;
        Method = method;
    }

    /// <summary>The HTTP method, for example <c>POST</c>.</summary>
    public string Method { get; }

    /// <summary>The full public URL the provider called, or <see langword="null"/> when unknown.</summary>
    public string? Url { get; }

    /// <summary>The request headers.</summary>
    public WebhookHeaders Headers { get; }

    /// <summary>The raw body bytes.</summary>
    public ReadOnlyMemory<byte> Body { get; }
}
