using System.Net;
using System.Net.Sockets;
using Hookline.Core.Delivery.Transport.Internal;

namespace Hookline.Core.Delivery.Transport;

/// <summary>
/// Checks an endpoint URL when an endpoint is created or updated: an absolute <c>http://</c> or
/// <c>https://</c> URL without credentials, <c>https://</c> only when
/// <see cref="DeliveryOptions.HttpsOnly"/> is set, and a host that is not in a blocked network,
/// however the address is spelled. Host names are resolved and refused if any address is blocked.
/// </summary>
/// <remarks>
/// A name that does not resolve (or whose lookup times out) is accepted, as Svix does: DNS may
/// simply not be set up yet, and the connect-time check in <see cref="DeliveryHttpClientFactory"/>
/// judges the addresses again on every delivery, which is what actually stops DNS rebinding.
/// </remarks>
public sealed class EndpointUrlValidator
{
    /// <summary>How long creation waits for DNS before accepting the name unresolved.</summary>
    public static readonly TimeSpan DefaultResolveTimeout = TimeSpan.FromSeconds(5);

    private readonly SsrfGuard _guard;
    private readonly bool _httpsOnly;
    private readonly Func<string, CancellationToken, ValueTask<IPAddress[]>> _resolveHost;
    private readonly TimeSpan _resolveTimeout;

    /// <summary>Creates a validator from the delivery options.</summary>
    /// <param name="options">AllowPrivateNetworks, AllowedNetworks and HttpsOnly are read once.</param>
    /// <param name="resolveHost">Name resolution; defaults to <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>.</param>
    public EndpointUrlValidator(DeliveryOptions options, Func<string, CancellationToken, ValueTask<IPAddress[]>>? resolveHost = null)
        : this(new SsrfGuard(options), options.HttpsOnly, resolveHost)
    {
    }

    /// <summary>Creates a validator around an existing guard.</summary>
    public EndpointUrlValidator(
        SsrfGuard guard,
        bool httpsOnly,
        Func<string, CancellationToken, ValueTask<IPAddress[]>>? resolveHost = null,
        TimeSpan? resolveTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(guard);
        _guard = guard;
        _httpsOnly = httpsOnly;
        _resolveHost = resolveHost ?? DestinationResolver.SystemDns;
        _resolveTimeout = resolveTimeout ?? DefaultResolveTimeout;
    }

    /// <summary>Validates an endpoint URL; the result's <see cref="EndpointUrlValidationResult.Error"/> says why it is refused.</summary>
    public async ValueTask<EndpointUrlValidationResult> ValidateAsync(string? url, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return EndpointUrlValidationResult.Invalid("The URL is required.");
        }

        // Uri would drop or escape them silently, so what is stored would not be what was sent.
        if (url.Any(char.IsControl))
        {
            return EndpointUrlValidationResult.Invalid("The URL must not contain control characters (tabs, line breaks, …).");
        }

        // Uri.TryCreate turns "/hooks" into file:///hooks on Unix, so the scheme check matters.
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return EndpointUrlValidationResult.Invalid("The URL must be an absolute http:// or https:// URL.");
        }
        if (_httpsOnly && uri.Scheme != Uri.UriSchemeHttps)
        {
            return EndpointUrlValidationResult.Invalid("Only https:// URLs are accepted (Hookline:Delivery:HttpsOnly is on).");
        }
        if (uri.UserInfo.Length > 0)
        {
            return EndpointUrlValidationResult.Invalid("The URL must not contain credentials (user:password@); use endpoint headers instead.");
        }
        if (uri.IdnHost.Length == 0)
        {
            return EndpointUrlValidationResult.Invalid("The URL has no host.");
        }
        if (uri.Port == 0)
        {
            return EndpointUrlValidationResult.Invalid("The URL's port must be between 1 and 65535.");
        }

        // IdnHost is what the HTTP handler connects to (punycode, and full-width dots folded).
        var host = uri.IdnHost;
        switch (HostLiteral.Classify(host, out var literal, out var name))
        {
            case HostKind.Invalid:
                return EndpointUrlValidationResult.Invalid($"The host {host} is not a valid IP address.");
            case HostKind.Address:
                return Judge(host, literal!, resolved: false);
            case HostKind.Localhost:
                return JudgeAll(host, await DestinationResolver.ResolveAsync(name, _resolveHost, cancellationToken).ConfigureAwait(false));
        }

        var addresses = await TryResolveAsync(name, cancellationToken).ConfigureAwait(false);
        return addresses is null ? EndpointUrlValidationResult.Valid : JudgeAll(host, addresses);
    }

    private EndpointUrlValidationResult JudgeAll(string host, IPAddress[] addresses)
    {
        foreach (var address in addresses)
        {
            var result = Judge(host, address, resolved: true);
            if (!result.IsValid)
            {
                return result;
            }
        }
        return EndpointUrlValidationResult.Valid;
    }

    private EndpointUrlValidationResult Judge(string host, IPAddress address, bool resolved)
    {
        var verdict = _guard.Check(address);
        if (verdict.IsAllowed)
        {
            return EndpointUrlValidationResult.Valid;
        }
        var what = resolved ? $"The host {host} resolves to {address}, which is" : $"The address {address} is";
        // Name only the settings that would open this range: AllowPrivateNetworks never opens
        // link-local (cloud metadata) or the other reserved ranges.
        var opens = verdict.PrivateNetworkSettingOpens
            ? "unless the server allows the network (Hookline:Delivery:AllowPrivateNetworks, Hookline:Delivery:AllowedNetworks)."
            : "unless the server lists the network in Hookline:Delivery:AllowedNetworks (Hookline:Delivery:AllowPrivateNetworks does not open it).";
        return EndpointUrlValidationResult.Invalid(
            $"{what} in a blocked network ({verdict.BlockedRange}). Webhook destinations must be public addresses " + opens);
    }

    /// <summary>The addresses, or null when the name cannot be resolved now.</summary>
    private async ValueTask<IPAddress[]?> TryResolveAsync(string name, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_resolveTimeout);
        try
        {
            // getaddrinfo does not always honour cancellation; WaitAsync bounds the wait regardless.
            var addresses = await _resolveHost(name, timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
            return addresses.Length == 0 ? null : addresses;
        }
        catch (SocketException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
