using Hookline.Core.Storage;
using Hookline.Storage.Compliance;

namespace Hookline.Storage.Sqlite.Tests;

/// <summary>The store compliance suite against SQLite: a temporary database file per test.</summary>
public sealed class SqliteStoreComplianceTests : StoreComplianceSuite
{
    private readonly TemporaryDatabaseFile _file = new();

    protected override bool OffersToTheInsertingNode => false;

    protected override Task<IHooklineStore> OpenStoreAsync(TimeProvider time) =>
        Task.FromResult<IHooklineStore>(new SqliteHooklineStore(_file.ConnectionString, time));

    protected override Task DropDatabaseAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }
}
