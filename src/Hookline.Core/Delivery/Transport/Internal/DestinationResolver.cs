using System.Net;

namespace Hookline.Core.Delivery.Transport.Internal;

/// <summary>
/// Turns a URL host into the addresses a connection would go to. The endpoint validator and
/// the connect callback share it, so creation time and connect time judge the same thing.
/// </summary>
internal static class DestinationResolver
{
    public static readonly Func<string, CancellationToken, ValueTask<IPAddress[]>> SystemDns =
        static (host, cancellationToken) => new ValueTask<IPAddress[]>(Dns.GetHostAddressesAsync(host, cancellationToken));

    // RFC 6761: localhost names are loopback and never sent to DNS (browsers do the same).
    // 127.0.0.1 first: development servers listen there more often than on ::1.
    private static readonly IPAddress[] LoopbackAddresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    /// <summary>The addresses for a host; literals and localhost names are not sent to the resolver.</summary>
    /// <exception cref="BlockedDestinationException">The host looks like an IP address but is not a valid one.</exception>
    public static async ValueTask<IPAddress[]> ResolveAsync(
        string host,
        Func<string, CancellationToken, ValueTask<IPAddress[]>> resolveHost,
        CancellationToken cancellationToken)
    {
        switch (HostLiteral.Classify(host, out var literal, out var name))
        {
            case HostKind.Address:
                return [literal!];
            case HostKind.Localhost:
                return LoopbackAddresses;
            case HostKind.Invalid:
                throw new BlockedDestinationException(host, null, $"The host {host} is not a valid IP address.");
            default:
                return await resolveHost(name, cancellationToken).ConfigureAwait(false);
        }
    }
}
