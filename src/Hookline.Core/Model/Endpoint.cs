namespace Hookline.Core.Model;

public sealed record Endpoint
{
    public required string Id { get; init; }
    public required string AppId { get; init; }
    public string? Uid { get; init; }
    public required string Url { get; init; }
    public string Description { get; init; } = "";

    /// <summary>Event types this endpoint receives; null or empty means all.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }

    /// <summary>Channels this endpoint listens to; null or empty means all messages.</summary>
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>Messages per second; null means unlimited.</summary>
    public int? ThrottleRate { get; init; }
    public bool Disabled { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = Application.EmptyMetadata;

    /// <summary>Custom headers added to every request.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = Application.EmptyMetadata;

    /// <summary>Signing secrets: the current one (no expiry) first, then rotated-out ones until they expire.</summary>
    public required IReadOnlyList<EndpointSecret> Secrets { get; init; }

    /// <summary>Hookline addition: strict FIFO delivery, one request in flight.</summary>
    public bool Ordered { get; init; }

    /// <summary>Hookline addition: requests in flight at once; null means the configured default.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Start of the current run of consecutive failures; null while healthy.</summary>
    public DateTimeOffset? FailingSince { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The secret new requests are signed with first.</summary>
    public string CurrentSecret => Secrets[0].Key;

    /// <summary>
    /// Whether this endpoint's event-type filter and channels take a message of this type on these
    /// channels. Only half of the matching rule: whether a message goes to an endpoint (enabled too)
    /// is <c>MessageService.MatchingEndpointsAsync</c>'s to say.
    /// </summary>
    public bool Accepts(string eventType, IReadOnlyList<string>? messageChannels)
    {
        if (EventTypes is { Count: > 0 } types && !types.Contains(eventType, StringComparer.Ordinal))
        {
            return false;
        }
        if (Channels is { Count: > 0 } channels)
        {
            return messageChannels is { Count: > 0 } && messageChannels.Any(c => channels.Contains(c, StringComparer.Ordinal));
        }
        return true;
    }

    /// <summary>The secrets that still sign at <paramref name="now"/>.</summary>
    public IEnumerable<string> SigningSecrets(DateTimeOffset now) =>
        Secrets.Where(s => s.ExpiresAt is null || s.ExpiresAt > now).Select(s => s.Key);
}

/// <param name="Key">The secret as the API shows it (<c>whsec_…</c> or <c>whsk_…</c>).</param>
/// <param name="ExpiresAt">When a rotated-out secret stops signing; null for the current one.</param>
public sealed record EndpointSecret(string Key, DateTimeOffset? ExpiresAt);
