namespace Hookline.Core.Delivery.Transport;

/// <summary>The <see cref="SsrfGuard"/>'s answer for one address.</summary>
public readonly record struct AddressVerdict
{
    private AddressVerdict(string? blockedRange, bool privateNetworkSettingOpens)
    {
        BlockedRange = blockedRange;
        PrivateNetworkSettingOpens = privateNetworkSettingOpens;
    }

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

    /// <summary>
    /// Whether <c>AllowPrivateNetworks</c> would open the blocking range (loopback and private
    /// networks); other ranges (link-local and cloud metadata among them) open only through
    /// <c>AllowedNetworks</c>.
    /// </summary>
    public bool PrivateNetworkSettingOpens { get; }

    /// <summary>A refusal naming the blocking range.</summary>
    public static AddressVerdict Blocked(string rangeName, bool privateNetworkSettingOpens = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rangeName);
        return new AddressVerdict(rangeName, privateNetworkSettingOpens);
    }

    public override string ToString() => IsAllowed ? "allowed" : $"blocked: {BlockedRange}";
}
