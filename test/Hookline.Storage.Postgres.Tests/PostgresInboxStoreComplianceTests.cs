using Hookline.Core.Storage;
using Hookline.Storage.Compliance;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>The inbox store compliance suite against PostgreSQL: a schema of its own per test.</summary>
public sealed class PostgresInboxStoreComplianceTests : InboxStoreComplianceSuite
{
    private readonly PostgresTestDatabase _database = new();

    protected override async Task<IInboxStore> OpenStoreAsync(TimeProvider time)
    {
        await _database.EnsureCreatedAsync();
        return new PostgresInboxStore(_database.ConnectionString, time);
    }

    protected override Task DropDatabaseAsync() => _database.DisposeAsync().AsTask();
}
