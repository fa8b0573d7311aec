namespace Hookline.Signatures;

/// <summary>One problem with a verifier configuration, for a 422 answer at source creation.</summary>
/// <param name="Key">The config key concerned (<c>type</c> for an unknown verifier type).</param>
/// <param name="Message">What is wrong and how to fix it; never contains the secret.</param>
public sealed record ConfigurationError(string Key, string Message);

/// <summary>Thrown by <see cref="WebhookVerifiers.Create(string, IReadOnlyDictionary{string, string}, TimeProvider)"/> for an invalid configuration.</summary>
public sealed class WebhookConfigurationException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    /// <param name="errors">The problems; at least one.</param>
    public WebhookConfigurationException(IReadOnlyList<ConfigurationError> errors)
        : base(Describe(errors)) => Errors = errors;

    /// <summary>Creates the exception.</summary>
    public WebhookConfigurationException()
        : this("The webhook verifier configuration is invalid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public WebhookConfigurationException(string message)
        : base(message) => Errors = [new ConfigurationError("config", message)];

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookConfigurationException(string message, Exception innerException)
        : base(message, innerException) => Errors = [new ConfigurationError("config", message)];

    /// <summary>The problems found.</summary>
    public IReadOnlyList<ConfigurationError> Errors { get; }

    private static string Describe(IReadOnlyList<ConfigurationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return "Invalid webhook verifier configuration: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Message}"));
    }
}
