using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hookline.Console.Hosting;

/// <summary>
/// Where the Console reaches this node's API: one of the node's own listen addresses, with a
/// wildcard host turned into loopback. Calls never leave the machine, and they go through the
/// same authentication and authorization as any other API client's.
/// </summary>
internal sealed class SelfApiAddress
{
    private readonly IServer _server;
    private Uri? _address;

    public SelfApiAddress(IServer server) => _server = server;

    public Uri Get() => _address ??= Resolve(_server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);

    internal static Uri Resolve(ICollection<string> addresses)
    {
        // Plain HTTP first: a loopback call needs no TLS, and the server's certificate is for its public name.
        var chosen = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The server has no listen address yet; the Console needs one to reach the API.");
        var address = chosen
            .Replace("://+:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://*:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://[::]:", "://[::1]:", StringComparison.Ordinal)
            .Replace("://localhost:", "://127.0.0.1:", StringComparison.OrdinalIgnoreCase);
        return new Uri(address.TrimEnd('/') + "/");
    }
}
