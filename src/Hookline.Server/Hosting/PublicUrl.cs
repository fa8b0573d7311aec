using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Hosting;

/// <summary>
/// The base URL clients use to reach this server: <c>Hookline:PublicUrl</c>, else the first listen
/// address (a wildcard host shown as <c>localhost</c>).
/// </summary>
internal sealed class PublicUrl
{
    private readonly IOptionsMonitor<HooklineServerOptions> _options;
    private readonly IServer _server;

    public PublicUrl(IOptionsMonitor<HooklineServerOptions> options, IServer server)
    {
        _options = options;
        _server = server;
    }

    public string Get(HttpContext? context = null)
    {
        if (_options.CurrentValue.PublicUrl is { Length: > 0 } configured)
        {
            return configured.TrimEnd('/');
        }
        var addresses = ListenAddresses(_server);
        if (addresses.Count > 0)
        {
            return addresses[0];
        }
        return context is null ? "http://localhost:8071" : $"{context.Request.Scheme}://{context.Request.Host}";
    }

    public static IReadOnlyList<string> ListenAddresses(IServer server) =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(Readable).ToList() ?? [];

    private static string Readable(string address) =>
        address.Replace("://+:", "://localhost:", StringComparison.Ordinal)
            .Replace("://*:", "://localhost:", StringComparison.Ordinal)
            .Replace("://0.0.0.0:", "://localhost:", StringComparison.Ordinal)
            .Replace("://[::]:", "://localhost:", StringComparison.Ordinal)
            .TrimEnd('/');
}
