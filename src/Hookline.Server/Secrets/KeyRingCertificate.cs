using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hookline.Server.Secrets;

/// <summary>
/// <c>Hookline:Secrets:KeyRingCertificatePath</c>: the certificate that encrypts the Data Protection
/// key ring at rest, handed to Data Protection's own <c>ProtectKeysWithCertificate</c>.
/// </summary>
internal static class KeyRingCertificate
{
    /// <summary>What is wrong with the configured certificate, in a few words; null when it can encrypt and decrypt the key ring.</summary>
    public static string? Problem(string path, string? password)
    {
        if (!File.Exists(path))
        {
            return "no such file. Name a PKCS#12 (.pfx) file holding an RSA certificate and its private key.";
        }
        try
        {
            using var certificate = Load(path, password);
            using var rsa = certificate.GetRSAPrivateKey();
            return rsa is null
                ? "the certificate has no RSA private key; the key ring needs one to be decrypted again. Export it with its private key (PKCS#12)."
                : null;
        }
        catch (CryptographicException ex)
        {
            return $"cannot be read as PKCS#12 ({ex.Message.TrimEnd('.')}). Check the file and Hookline:Secrets:KeyRingCertificatePassword.";
        }
    }

    /// <summary>The certificate, or null when none is configured or it has a <see cref="Problem"/> (which start-up validation then reports).</summary>
    public static X509Certificate2? TryLoad(string? path, string? password) =>
        path is { Length: > 0 } && Problem(path, password) is null ? Load(path, password) : null;

    private static X509Certificate2 Load(string path, string? password) =>
        X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
}
