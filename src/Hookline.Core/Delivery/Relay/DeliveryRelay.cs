using Hookline.Core.Model;

namespace Hookline.Core.Delivery.Relay;

/// <summary>
/// Relay endpoints: temporary endpoints whose deliveries do not go over the network but through a
/// persistent connection from a developer's machine (<c>hookline listen</c>). Their URL is
/// <c>hookline-relay://{node}/{endpoint id}</c>, naming the node that holds the connection. The
/// API never accepts such a URL (only http and https), so a relay endpoint can only be made by the
/// relay itself, and the engine never opens a connection for one: no SSRF path goes through here.
/// </summary>
public static class RelayEndpoints
{
    /// <summary>The URL scheme of relay endpoints.</summary>
    public const string Scheme = "hookline-relay";

    /// <summary>Metadata key holding when the relay's lease runs out (ISO 8601); the owning node renews it.</summary>
    public const string LeaseMetadataKey = "hookline.relay.expiresAt";

    /// <summary>Metadata key marking a relay endpoint (value: <c>listen</c>).</summary>
    public const string MarkerMetadataKey = "hookline.relay";

    public static bool IsRelay(string url) => url.StartsWith(Scheme + "://", StringComparison.Ordinal);

    public static string Url(string nodeId, string endpointId) => $"{Scheme}://{nodeId}/{endpointId}";

    /// <summary>The node named in a relay URL.</summary>
    public static bool TryGetNode(string url, out string nodeId)
    {
        nodeId = "";
        if (!IsRelay(url))
        {
            return false;
        }
        var rest = url.AsSpan(Scheme.Length + 3);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }
        nodeId = rest[..slash].ToString();
        return true;
    }
}

/// <summary>A signed delivery handed to a relay instead of the network: what the HTTP request would have carried.</summary>
/// <param name="Headers">Every header, signature and content type included.</param>
public sealed record RelayRequest(
    string RequestId,
    string MessageId,
    string EventType,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    ReadOnlyMemory<byte> Body);

/// <summary>What happened to a relayed delivery.</summary>
public enum RelayOutcome
{
    /// <summary>The far side answered: the status, body and duration are the attempt's.</summary>
    Answered = 0,

    /// <summary>No connection for this endpoint: a failed attempt, retried on the normal schedule.</summary>
    NotConnected = 1,

    /// <summary>Another node holds the connection: give the delivery back unsent so that node claims it.</summary>
    HeldElsewhere = 2,
}

/// <param name="Duration">How long the far side took to answer, when it measured it.</param>
public sealed record RelayResult(RelayOutcome Outcome, int StatusCode = 0, string Body = "", string? Error = null, TimeSpan? Duration = null);

/// <summary>
/// Carries deliveries of relay endpoints (<see cref="RelayEndpoints"/>). The server registers one
/// (it holds the <c>hookline listen</c> connections); without one, relay endpoints fail like an
/// unreachable endpoint.
/// </summary>
public interface IDeliveryRelay
{
    Task<RelayResult> SendAsync(Endpoint endpoint, RelayRequest request, CancellationToken cancellationToken);
}
