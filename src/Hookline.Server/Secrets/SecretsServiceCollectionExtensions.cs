using Hookline.Core.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace Hookline.Server.Secrets;

internal static class SecretsServiceCollectionExtensions
{
    /// <summary>
    /// The one Data Protection key ring of the server — the Console's sign-in cookie and circuits and
    /// the store's sealed secrets all use it — kept where every node finds it: beside the data for
    /// SQLite (<c>{DataDirectory}/keys</c>), in the database for PostgreSQL (<c>data_protection_keys</c>).
    /// Encrypted at rest with <c>Hookline:Secrets:KeyRingCertificatePath</c> when one is configured.
    /// </summary>
    public static IServiceCollection AddHooklineSecrets(this IServiceCollection services, IConfiguration configuration, string dataDirectory, bool postgres)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName("Hookline");
        if (postgres)
        {
            dataProtection.PersistKeysToHooklinePostgres();
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        }
        // Read here because Data Protection takes the certificate itself; a path that does not load is
        // left out, and start-up validation stops the server with one line saying why.
        var section = configuration.GetSection(HooklineServerOptions.SectionName);
        if (KeyRingCertificate.TryLoad(section["Secrets:KeyRingCertificatePath"], section["Secrets:KeyRingCertificatePassword"]) is { } certificate)
        {
            // Also registers it for decrypting the keys it encrypted.
            dataProtection.ProtectKeysWithCertificate(certificate);
        }
        services.AddSingleton<DataProtectionSecretProtector>();
        services.AddSingleton<SecretProtector>(sp => sp.GetRequiredService<DataProtectionSecretProtector>());
        return services;
    }
}
