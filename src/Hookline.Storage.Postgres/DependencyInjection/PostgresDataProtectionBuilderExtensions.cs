using Hookline.Storage.Postgres;
using Hookline.Storage.Postgres.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.DataProtection;

public static class PostgresDataProtectionBuilderExtensions
{
    /// <summary>
    /// Keeps the Data Protection key ring in the PostgreSQL store's database (table
    /// <c>data_protection_keys</c>), shared by every node. Requires <c>AddHooklinePostgresStore</c>;
    /// the table is created by the store's migrations, which the host runs before anything is protected.
    /// </summary>
    public static IDataProtectionBuilder PersistKeysToHooklinePostgres(this IDataProtectionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository = new PostgresXmlRepository(() => sp.GetRequiredService<PostgresHooklineStore>().DataSource)));
        return builder;
    }
}
