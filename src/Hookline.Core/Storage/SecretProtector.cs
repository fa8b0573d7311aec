using System.Collections.Concurrent;

namespace Hookline.Core.Storage;

/// <summary>
/// Seals the secret columns a store writes (endpoint signing secrets and header values, source
/// configurations, ingest tokens) and opens them when read. A sealed value carries
/// <see cref="ProtectedPrefix"/>, so a value written before sealing was turned on (clear JSON or a clear
/// token) is told apart and read as it is until <see cref="IHooklineStore"/>'s start-up step seals it.
/// </summary>
/// <remarks>
/// Opening is memoised per sealed value: the delivery engine reads each endpoint's secrets with every
/// claim, and a sealed value is opened once, not once per delivery. The clear values kept in memory are
/// the ones the endpoint cache holds anyway.
/// </remarks>
public abstract class SecretProtector
{
    /// <summary>Begins every sealed value. Clear JSON begins with <c>{</c> or <c>[</c>, and tokens with their own prefix, never this.</summary>
    public const string ProtectedPrefix = "enc1:";

    /// <summary>Begins every lookup key (<see cref="LookupKey"/>) stored in place of a token.</summary>
    public const string LookupPrefix = "hmac1:";

    private const int MaxOpened = 10_000;

    private readonly ConcurrentDictionary<string, string> _opened = new(StringComparer.Ordinal);

    /// <summary>Keeps values in clear: for stores used without a host that seals (tests, tools).</summary>
    public static SecretProtector None { get; } = new ClearSecretProtector();

    /// <summary>Whether this protector seals at all (<see cref="None"/> does not).</summary>
    public virtual bool Seals => true;

    /// <summary>Whether a stored value is sealed.</summary>
    public static bool IsProtected(string? stored) => stored is not null && stored.StartsWith(ProtectedPrefix, StringComparison.Ordinal);

    /// <summary>The value as it is stored.</summary>
    public string Protect(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Seals ? ProtectedPrefix + ProtectCore(value) : value;
    }

    /// <summary>The clear value of a stored one; a value stored in clear is returned as it is.</summary>
    public string Unprotect(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!IsProtected(stored))
        {
            return stored;
        }
        if (_opened.TryGetValue(stored, out var value))
        {
            return value;
        }
        value = UnprotectCore(stored[ProtectedPrefix.Length..]);
        if (_opened.Count >= MaxOpened)
        {
            _opened.Clear();
        }
        _opened[stored] = value;
        return value;
    }

    /// <summary>
    /// What a token is stored and looked up by: a keyed hash (HMAC), equal for equal tokens on every
    /// node, from which the token cannot be recovered nor, without the key, guessed.
    /// </summary>
    public string LookupKey(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Seals ? LookupPrefix + LookupKeyCore(token) : token;
    }

    /// <summary>Seals <paramref name="value"/> (the prefix is added by the caller).</summary>
    protected abstract string ProtectCore(string value);

    /// <summary>Opens what <see cref="ProtectCore"/> returned.</summary>
    protected abstract string UnprotectCore(string payload);

    /// <summary>The keyed hash of a token (the prefix is added by the caller).</summary>
    protected abstract string LookupKeyCore(string token);

    private sealed class ClearSecretProtector : SecretProtector
    {
        public override bool Seals => false;

        protected override string ProtectCore(string value) => value;

        protected override string UnprotectCore(string payload) =>
            throw new InvalidOperationException("A sealed secret was read by a store that has no SecretProtector; give the store the host's (SqlHooklineStore.SecretProtector).");

        protected override string LookupKeyCore(string token) => token;
    }
}
