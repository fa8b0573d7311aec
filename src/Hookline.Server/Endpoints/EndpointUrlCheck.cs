using Hookline.Core.Delivery.Transport;

namespace Hookline.Server.Endpoints;

/// <summary>
/// Checks an endpoint URL at create/update time with the SSRF guard's rules (http(s) only,
/// <c>HttpsOnly</c>, no credentials, no blocked networks however spelled); the reason becomes a 422
/// on <c>url</c>. The dispatcher checks addresses again at connect time, which stops DNS rebinding.
/// </summary>
internal sealed class EndpointUrlCheck(EndpointUrlValidator validator)
{
    public async ValueTask<string?> CheckAsync(string url, CancellationToken cancellationToken)
    {
        var result = await validator.ValidateAsync(url, cancellationToken);
        return result.IsValid ? null : result.Error;
    }
}
