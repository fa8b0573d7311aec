using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Hookline.Server;

/// <summary>The <c>Hookline</c> configuration section (delivery settings live in <c>Hookline:Delivery</c>).</summary>
public sealed class HooklineServerOptions
{
    public const string SectionName = "Hookline";

    /// <summary>Where the SQLite file and other local state live.</summary>
    /// <value>The default value is <c>./hookline-data</c>.</value>
    [Required(ErrorMessage = "The field {0} must not be empty; name a folder the server can write, e.g. /var/lib/hookline.")]
    public string DataDirectory { get; set; } = "./hookline-data";

    /// <summary>Bearer token with full access. When unset, one is generated on first start and printed once.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? AdminToken { get; set; }

    /// <summary>Base URL of this server as clients reach it (portal links, ingest URLs).</summary>
    /// <value>The default value is the first listen address.</value>
    public string? PublicUrl { get; set; }

    public StorageOptions Storage { get; set; } = new();

    public SecretsOptions Secrets { get; set; } = new();

    [ValidateObjectMembers]
    public LimitOptions Limits { get; set; } = new();
}

public sealed class StorageOptions
{
    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    /// <value>The default value is <c>sqlite</c>.</value>
    public string Provider { get; set; } = "sqlite";

    /// <summary>PostgreSQL connection string when the provider is <c>postgres</c>; for SQLite, an optional connection string overriding the file in the data directory.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }
}

/// <summary>
/// The <c>Hookline:Secrets</c> section: how the Data Protection key ring, which seals secrets at rest,
/// is itself protected (docs/security.md).
/// </summary>
public sealed class SecretsOptions
{
    /// <summary>
    /// A PKCS#12 file (<c>.pfx</c>/<c>.p12</c>) holding an RSA certificate with its private key. When set,
    /// each new key of the key ring is encrypted with it before it is written (to <c>{DataDirectory}/keys</c>
    /// or, on PostgreSQL, the <c>data_protection_keys</c> table); every node needs the same file.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (keys written unencrypted; see docs/security.md).</value>
    public string? KeyRingCertificatePath { get; set; }

    /// <summary>The password of <see cref="KeyRingCertificatePath"/>, if it has one.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? KeyRingCertificatePassword { get; set; }
}

public sealed class LimitOptions
{
    /// <summary>Largest request body accepted; larger bodies get 413.</summary>
    /// <value>The default value is 1048576 (1 MiB).</value>
    [Range(typeof(long), "1024", "2147483647", ErrorMessage = "must be between 1024 and 2147483647 bytes.")]
    public long MaxPayloadBytes { get; set; } = 1024 * 1024;
}
