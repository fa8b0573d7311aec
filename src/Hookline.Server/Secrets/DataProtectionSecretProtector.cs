using System.Security.Cryptography;
using System.Text;
using Hookline.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Hookline.Server.Secrets;

/// <summary>
/// Seals the store's secret columns with ASP.NET Core Data Protection (authenticated encryption under
/// the key ring every node shares; old keys stay readable after rotation), and keys ingest-token
/// lookups with an HMAC whose key is kept, sealed, in the store's settings so every node agrees on it.
/// </summary>
internal sealed class DataProtectionSecretProtector : SecretProtector
{
    /// <summary>The setting holding the sealed key of <see cref="LookupKeyCore"/>.</summary>
    public const string LookupKeySetting = "secrets.token_lookup_key";

    /// <summary>The setting that elects the node which creates the key ring's first key.</summary>
    public const string FirstKeySetting = "secrets.first_key_node";

    private static readonly TimeSpan FirstKeyWait = TimeSpan.FromSeconds(15);

    // Purposes isolate these payloads from the Console's cookies and from each other.
    private const string ValuePurpose = "Hookline.StoredSecrets.v1";
    private const string LookupKeyPurpose = "Hookline.StoredSecrets.TokenLookupKey.v1";

    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly Lazy<IDataProtectionProvider> _provider;
    private IDataProtector? _values;
    private byte[]? _lookupKey;

    // Lazy: on PostgreSQL the key ring lives in the store's database, and the store is given this
    // protector when it is built, so Data Protection is resolved only on first use.
    public DataProtectionSecretProtector(IServiceProvider services, TimeProvider time)
    {
        _services = services;
        _time = time;
        _provider = new(services.GetRequiredService<IDataProtectionProvider>);
    }

    private IDataProtector Values => _values ??= _provider.Value.CreateProtector(ValuePurpose);

    /// <summary>
    /// Reads the HMAC key for token look-ups from the store, creating it on a first start (racing nodes
    /// agree on the first one stored). The host calls it after the migrations, before anything is looked up.
    /// </summary>
    public async Task InitializeAsync(IAuthStore store, CancellationToken cancellationToken)
    {
        await EnsureFirstKeyAsync(store, cancellationToken);
        var protector = _provider.Value.CreateProtector(LookupKeyPurpose);
        var stored = await store.GetSettingAsync(LookupKeySetting, cancellationToken)
            ?? await store.SetSettingIfAbsentAsync(LookupKeySetting, protector.Protect(WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32))), cancellationToken);
        _lookupKey = WebEncoders.Base64UrlDecode(protector.Unprotect(stored));
    }

    /// <summary>
    /// Nodes of a new deployment starting together would each create a first key and, for up to a day
    /// (until their cached key rings refresh), seal with keys the others have not loaded. One node,
    /// elected through the store, creates the first key; the others wait for it to appear. Later keys
    /// are created by Data Protection ahead of the current one's expiry, long enough before they are
    /// used that every node has loaded them (docs/security.md).
    /// </summary>
    private async Task EnsureFirstKeyAsync(IAuthStore store, CancellationToken cancellationToken)
    {
        var keys = _services.GetRequiredService<IKeyManager>();
        if (HasUsableKey(keys))
        {
            return;
        }
        var ballot = Guid.NewGuid().ToString("N");
        if (await store.SetSettingIfAbsentAsync(FirstKeySetting, ballot, cancellationToken) == ballot)
        {
            var now = _time.GetUtcNow();
            keys.CreateNewKey(now, now + _services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.NewKeyLifetime);
            return;
        }
        // Another node creates it; should it have died first, Data Protection creates one on first use.
        var deadline = _time.GetUtcNow() + FirstKeyWait;
        while (!HasUsableKey(keys) && _time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken);
        }
    }

    private bool HasUsableKey(IKeyManager keys)
    {
        var now = _time.GetUtcNow();
        return keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now);
    }

    protected override string ProtectCore(string value) => Values.Protect(value);

    protected override string UnprotectCore(string payload) => Values.Unprotect(payload);

    protected override string LookupKeyCore(string token)
    {
        var key = _lookupKey ?? throw new InvalidOperationException("The token lookup key is read at start (InitializeAsync) before any token is stored or looked up.");
        return WebEncoders.Base64UrlEncode(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(token)));
    }
}
