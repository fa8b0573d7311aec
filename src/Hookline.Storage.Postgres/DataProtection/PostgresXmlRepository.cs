using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Hookline.Storage.Postgres.DataProtection;

/// <summary>
/// The ASP.NET Core Data Protection key ring kept in the <c>data_protection_keys</c> table (created by
/// the store's migrations), so that every node sharing the database protects and unprotects with the
/// same keys: sealed secrets, the Console's sign-in cookie and antiforgery tokens written by one node
/// are read by any other.
/// </summary>
/// <remarks>
/// Elements are only ever added (Data Protection never edits a stored key; a revocation is a new
/// element), so rows are appended and read back in the order written. The interface is synchronous;
/// Data Protection reads the ring once and then again only when it expires (24 hours) or a key it
/// does not know is met.
/// </remarks>
public sealed class PostgresXmlRepository : IXmlRepository
{
    private readonly Func<NpgsqlDataSource> _dataSource;

    /// <param name="dataSource">The store's data source, asked for on first use (the store may be built after Data Protection).</param>
    public PostgresXmlRepository(Func<NpgsqlDataSource> dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = _dataSource().OpenConnection();
        using var command = new NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var connection = _dataSource().OpenConnection();
        using var command = new NpgsqlCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)", connection);
        command.Parameters.AddWithValue("name", friendlyName ?? "");
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
