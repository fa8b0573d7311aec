namespace Hookline.Core.Delivery.Transport;

/// <summary>The outcome of <see cref="EndpointUrlValidator.ValidateAsync"/>: valid, or a reason fit for a 422.</summary>
public sealed record EndpointUrlValidationResult
{
    private EndpointUrlValidationResult(string? error) => Error = error;

    /// <summary>The URL may be used as an endpoint.</summary>
    public static EndpointUrlValidationResult Valid { get; } = new((string?)null);

    /// <summary>Whether the URL may be used as an endpoint.</summary>
    public bool IsValid => Error is null;

    /// <summary>Why the URL is refused, in a sentence for the API caller; <see langword="null"/> when valid.</summary>
    public string? Error { get; }

    /// <summary>A refusal with a human-readable reason.</summary>
    public static EndpointUrlValidationResult Invalid(string error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new EndpointUrlValidationResult(error);
    }
}
