namespace Hookline.Signatures;

/// <summary>
/// An automatic answer a provider expects to a verified handshake request (Zoom
/// <c>endpoint.url_validation</c>, Slack <c>url_verification</c>, Twitch
/// <c>webhook_callback_verification</c>, Discord <c>PING</c>). The receiver sends it as the HTTP
/// response and does not forward the request as an event.
/// </summary>
/// <param name="StatusCode">The HTTP status code to answer with.</param>
/// <param name="ContentType">The response content type.</param>
/// <param name="Body">The response body.</param>
public sealed record HandshakeResponse(int StatusCode, string ContentType, string Body);
