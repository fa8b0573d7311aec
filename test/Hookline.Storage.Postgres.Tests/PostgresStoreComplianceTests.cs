using Hookline.Core.Storage;
using Hookline.Storage.Compliance;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>The store compliance suite against PostgreSQL: a schema of its own per test.</summary>
public sealed class PostgresStoreComplianceTests : StoreComplianceSuite
{
    private readonly PostgresTestDatabase _database = new();

    protected override async Task<IHooklineStore> OpenStoreAsync(TimeProvider time)
    {
        await _database.EnsureCreatedAsync();
        return new PostgresHooklineStore(_database.ConnectionString, time);
    }

    protected override Task DropDatabaseAsync() => _database.DisposeAsync().AsTask();
}
