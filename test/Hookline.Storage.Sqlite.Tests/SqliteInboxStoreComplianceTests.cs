using Hookline.Core.Storage;
using Hookline.Storage.Compliance;

namespace Hookline.Storage.Sqlite.Tests;

/// <summary>The inbox store compliance suite against SQLite: a temporary database file per test.</summary>
public sealed class SqliteInboxStoreComplianceTests : InboxStoreComplianceSuite
{
    private readonly TemporaryDatabaseFile _file = new();

    protected override Task<IInboxStore> OpenStoreAsync(TimeProvider time) =>
        Task.FromResult<IInboxStore>(new SqliteInboxStore(_file.ConnectionString, time));

    protected override Task DropDatabaseAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }
}
