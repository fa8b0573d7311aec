namespace Hookline.Core.Model;

public sealed record EventType
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";

    /// <summary>The <c>schemas</c> object as JSON text (versioned JSON schemas), or null.</summary>
    public string? SchemasJson { get; init; }
    public bool Archived { get; init; }
    public bool Deprecated { get; init; }
    public string? FeatureFlag { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}
