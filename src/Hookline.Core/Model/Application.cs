namespace Hookline.Core.Model;

/// <summary>A tenant of the sending side: it owns endpoints and messages.</summary>
public sealed record Application
{
    public required string Id { get; init; }
    public string? Uid { get; init; }
    public required string Name { get; init; }

    /// <summary>
    /// Messages per second to each of this application's endpoints that sets no rate of its own;
    /// null means unlimited.
    /// </summary>
    public int? ThrottleRate { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata;
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Internal applications (an ingest source's endpoints, operational webhooks) are hidden from the app list.</summary>
    public ApplicationKind Kind { get; init; } = ApplicationKind.Normal;

    internal static readonly IReadOnlyDictionary<string, string> EmptyMetadata = new Dictionary<string, string>();
}

public enum ApplicationKind
{
    Normal = 0,

    /// <summary>Holds the endpoints of one ingest source.</summary>
    Source = 1,

    /// <summary>Holds the admin's operational webhook endpoints.</summary>
    Operational = 2,
}
