using Hookline.Core.Delivery;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Endpoints;

/// <summary>
/// Checks an endpoint URL at create/update time; the error becomes a 422 on <c>url</c>.
/// </summary>
/// <remarks>TODO(ssrf): delegate to Hookline.Core's EndpointUrlValidator (blocked networks) once it is in main.</remarks>
internal sealed class EndpointUrlCheck(IOptions<DeliveryOptions> options)
{
    public ValueTask<string?> CheckAsync(string url, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return ValueTask.FromResult<string?>("The URL must be an absolute http:// or https:// URL.");
        }
        if (options.Value.HttpsOnly && uri.Scheme != Uri.UriSchemeHttps)
        {
            return ValueTask.FromResult<string?>("Only https:// URLs are accepted (Hookline:Delivery:HttpsOnly is on).");
        }
        if (uri.IdnHost.Length == 0)
        {
            return ValueTask.FromResult<string?>("The URL has no host.");
        }
        return ValueTask.FromResult<string?>(null);
    }
}
