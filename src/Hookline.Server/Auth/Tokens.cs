using System.Security.Cryptography;
using System.Text;

namespace Hookline.Server.Auth;

/// <summary>Bearer tokens: generated from a CSPRNG, stored only as SHA-256 hashes, compared in constant time.</summary>
internal static class Tokens
{
    public const string AdminPrefix = "hk_admin_";
    public const string AppPrefix = "hk_app_";

    /// <summary>A new token: the prefix then 32 random bytes in URL-safe base64 (no padding).</summary>
    public static string Generate(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lowercase hex SHA-256 of the token's UTF-8 bytes.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Constant-time comparison of two hex hashes.</summary>
    public static bool HashesEqual(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
