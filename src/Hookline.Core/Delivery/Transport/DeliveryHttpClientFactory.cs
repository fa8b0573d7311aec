using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Hookline.Core.Delivery.Transport.Internal;

namespace Hookline.Core.Delivery.Transport;

/// <summary>
/// Builds the <see cref="HttpClient"/> every delivery goes through: redirects are never
/// followed, no cookies, no proxy from the environment, certificates verified as usual, and a
/// connect callback that resolves the host itself and connects only to addresses the
/// <see cref="SsrfGuard"/> allows. Because the addresses that are checked are the addresses that
/// are connected to, a DNS answer that changes after endpoint creation (DNS rebinding) cannot
/// reach a blocked network.
/// </summary>
/// <remarks>
/// Create one client per process and share it (it pools connections). Send with
/// <see cref="HttpCompletionOption.ResponseHeadersRead"/> and read the body with
/// <see cref="ResponseBodyReader"/>, so a large response is never buffered. A refused
/// destination surfaces as an <see cref="HttpRequestException"/> whose inner exception is a
/// <see cref="BlockedDestinationException"/> (see <see cref="BlockedDestinationException.TryFind"/>).
/// </remarks>
public sealed class DeliveryHttpClientFactory
{
    // One host can serve many endpoints (a SaaS receiver); each endpoint already has its own
    // concurrency limit, so the per-server cap is only a backstop against runaway sockets.
    private const int MaxConnectionsPerServer = 256;
    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(10);
    // Recycled so DNS changes (and a changed verdict) are seen on long-lived connections too.
    private static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1);

    private readonly bool _httpsOnly;
    private readonly TimeSpan _timeout;
    private readonly Func<string, CancellationToken, ValueTask<IPAddress[]>> _resolveHost;

    /// <summary>Creates the factory from the delivery options (read once).</summary>
    /// <param name="options">AllowPrivateNetworks, AllowedNetworks, HttpsOnly and Timeout are used.</param>
    /// <param name="resolveHost">Name resolution; defaults to <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>.</param>
    public DeliveryHttpClientFactory(DeliveryOptions options, Func<string, CancellationToken, ValueTask<IPAddress[]>>? resolveHost = null)
        : this(new SsrfGuard(options), options.HttpsOnly, options.Timeout, resolveHost)
    {
    }

    /// <summary>Creates the factory around an existing guard.</summary>
    /// <param name="guard">Judges every address before a connection is opened.</param>
    /// <param name="httpsOnly">Refuse <c>http://</c> requests at connect time too (endpoints created before the option was set).</param>
    /// <param name="timeout">The per-attempt timeout; the connect timeout is at most this.</param>
    /// <param name="resolveHost">Name resolution; defaults to <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>.</param>
    public DeliveryHttpClientFactory(
        SsrfGuard guard,
        bool httpsOnly,
        TimeSpan timeout,
        Func<string, CancellationToken, ValueTask<IPAddress[]>>? resolveHost = null)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Guard = guard;
        _httpsOnly = httpsOnly;
        _timeout = timeout;
        _resolveHost = resolveHost ?? DestinationResolver.SystemDns;
    }

    /// <summary>The guard the connect callback consults.</summary>
    public SsrfGuard Guard { get; }

    /// <summary>The <c>User-Agent</c> sent with deliveries.</summary>
    public static string UserAgent { get; } =
        $"Hookline/{typeof(DeliveryHttpClientFactory).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    /// <summary>A new handler with the SSRF-safe settings; the caller owns it.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        Proxy = null,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = _timeout < MaxConnectTimeout ? _timeout : MaxConnectTimeout,
        PooledConnectionLifetime = PooledConnectionLifetime,
        PooledConnectionIdleTimeout = PooledConnectionIdleTimeout,
        MaxConnectionsPerServer = MaxConnectionsPerServer,
        ConnectCallback = ConnectAsync,
        // SslOptions are left alone on purpose: the default validates the certificate chain and host name.
    };

    /// <summary>A new client over a new handler, with the delivery timeout and Hookline's User-Agent.</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient(CreateHandler(), disposeHandler: true) { Timeout = _timeout };
        client.DefaultRequestHeaders.UserAgent.Add(ProductInfoHeaderValue.Parse(UserAgent));
        return client;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;

        if (_httpsOnly && context.InitialRequestMessage.RequestUri?.Scheme == Uri.UriSchemeHttp)
        {
            throw new BlockedDestinationException(host, null,
                $"The destination {host} uses http:// but only https:// is allowed (Hookline:Delivery:HttpsOnly).");
        }

        var addresses = await DestinationResolver.ResolveAsync(host, _resolveHost, cancellationToken).ConfigureAwait(false);

        IPAddress? blockedAddress = null;
        string? blockedRange = null;
        Exception? lastFailure = null;
        foreach (var resolved in addresses)
        {
            var verdict = Guard.Check(resolved);
            if (verdict.IsBlocked)
            {
                blockedAddress ??= resolved;
                blockedRange ??= verdict.BlockedRange;
                continue;
            }

            // An IPv4-mapped address was judged as IPv4, so connect to it as IPv4.
            var address = AddressBits.Normalize(resolved);
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastFailure = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        if (lastFailure is not null)
        {
            ExceptionDispatchInfo.Throw(lastFailure);
        }
        if (blockedAddress is not null)
        {
            throw new BlockedDestinationException(host, blockedAddress,
                $"The destination {host} resolved to {blockedAddress}, which is in a blocked network ({blockedRange}); " +
                "the connection was refused by the SSRF guard.");
        }
        throw new SocketException((int)SocketError.HostNotFound);
    }
}
