using System.Security.Cryptography;
using System.Text;
using Hookline.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

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

    // Purposes isolate these payloads from the Console's cookies and from each other.
    private const string ValuePurpose = "Hookline.StoredSecrets.v1";
    private const string LookupKeyPurpose = "Hookline.StoredSecrets.TokenLookupKey.v1";

    private readonly Lazy<IDataProtectionProvider> _provider;
    private IDataProtector? _values;
    private byte[]? _lookupKey;

    // Lazy: on PostgreSQL the key ring lives in the store's database, and the store is given this
    // protector when it is built, so Data Protection is resolved only on first use.
    public DataProtectionSecretProtector(IServiceProvider services)
    {
        _provider = new(services.GetRequiredService<IDataProtectionProvider>);
    }

    private IDataProtector Values => _values ??= _provider.Value.CreateProtector(ValuePurpose);

    /// <summary>
    /// Reads the HMAC key for token look-ups from the store, creating it on a first start (racing nodes
    /// agree on the first one stored). The host calls it after the migrations, before anything is looked up.
    /// </summary>
    public async Task InitializeAsync(IAuthStore store, CancellationToken cancellationToken)
    {
        var protector = _provider.Value.CreateProtector(LookupKeyPurpose);
        var stored = await store.GetSettingAsync(LookupKeySetting, cancellationToken)
            ?? await store.SetSettingIfAbsentAsync(LookupKeySetting, protector.Protect(WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32))), cancellationToken);
        _lookupKey = WebEncoders.Base64UrlDecode(protector.Unprotect(stored));
    }

    protected override string ProtectCore(string value) => Values.Protect(value);

    protected override string UnprotectCore(string payload) => Values.Unprotect(payload);

    protected override string LookupKeyCore(string token)
    {
        var key = _lookupKey ?? throw new InvalidOperationException("The token lookup key is read at start (InitializeAsync) before any token is stored or looked up.");
        return WebEncoders.Base64UrlEncode(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(token)));
    }
}
