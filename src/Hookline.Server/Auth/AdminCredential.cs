namespace Hookline.Server.Auth;

/// <summary>The SHA-256 hash of the admin token, settled at start-up (configured, or generated and stored once).</summary>
internal sealed class AdminCredential
{
    /// <summary>Setting name under which the generated admin token's hash is shared by all nodes.</summary>
    public const string SettingName = "admin_token_sha256";

    private string? _hash;

    public string? Hash => Volatile.Read(ref _hash);

    public void Set(string hash) => Volatile.Write(ref _hash, hash);
}
