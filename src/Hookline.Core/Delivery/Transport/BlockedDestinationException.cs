using System.Net;

namespace Hookline.Core.Delivery.Transport;

/// <summary>
/// The SSRF guard refused a destination at connect time. The delivery client surfaces it as the
/// inner exception of the <see cref="HttpRequestException"/> that <c>HttpClient.SendAsync</c>
/// throws; use <see cref="TryFind"/> to tell a refusal apart from other connection errors.
/// </summary>
public sealed class BlockedDestinationException : Exception
{
    public BlockedDestinationException()
        : this("The destination is in a blocked network.")
    {
    }

    public BlockedDestinationException(string message)
        : base(message)
    {
        Host = "";
    }

    public BlockedDestinationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Host = "";
    }

    /// <summary>Creates the exception for a host and the first blocked address it resolved to.</summary>
    public BlockedDestinationException(string host, IPAddress? address, string message)
        : base(message)
    {
        Host = host;
        Address = address;
    }

    /// <summary>The host of the request URL.</summary>
    public string Host { get; }

    /// <summary>A blocked address the host resolved to, when there was one.</summary>
    public IPAddress? Address { get; }

    /// <summary>Finds a <see cref="BlockedDestinationException"/> in an exception's inner-exception chain.</summary>
    public static bool TryFind(Exception? exception, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BlockedDestinationException? blocked)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BlockedDestinationException b)
            {
                blocked = b;
                return true;
            }
        }
        blocked = null;
        return false;
    }
}
