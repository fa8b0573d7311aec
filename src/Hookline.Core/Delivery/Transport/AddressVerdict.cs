namespace Hookline.Core.Delivery.Transport;

/// <summary>The <see cref="SsrfGuard"/>'s answer for one address.</summary>
public readonly record struct AddressVerdict
{
    private AddressVerdict(string? blockedRange) => BlockedRange = blockedRange;

    /// <summary>The address may be connected to.</summary>
    public static AddressVerdict Allowed => default;

    /// <summary>Whether the address may be connected to.</summary>
    public bool IsAllowed => BlockedRange is null;

    /// <summary>Whether the address is refused.</summary>
    public bool IsBlocked => BlockedRange is not null;

    /// <summary>
    /// The name of the range that blocks the address, e.g. <c>loopback</c>,
    /// <c>private (RFC 1918)</c> or <c>link-local (cloud metadata)</c>; <see langword="null"/> when allowed.
    /// </summary>
    public string? BlockedRange { get; }

    /// <summary>A refusal naming the blocking range.</summary>
    public static AddressVerdict Blocked(string rangeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rangeName);
        return new AddressVerdict(rangeName);
    }

    public override string ToString() => IsAllowed ? "allowed" : $"blocked: {BlockedRange}";
}
