using Hookline.Core.Storage;
using Hookline.Storage.Compliance;

namespace Hookline.Storage.Postgres.Tests;

/// <summary>The store compliance suite against PostgreSQL: a schema of its own per test.</summary>
public sealed class PostgresStoreComplianceTests : StoreComplianceSuite
{
    /// <summary>
    /// Inherited tests that check more than the store contract promises, with why, and where
    /// PostgreSQL is tested for what they mean to check. Reported as skipped with this reason.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> NotApplicable = new Dictionary<string, string>
    {
        [nameof(ClaimDueAsync_ConcurrentClaimersOnTwoStoreInstances_NeverGetTheSameDelivery)] =
            "It expects 24 simultaneous claims to take all 200 deliveries between them, one call each. Row-locking claims " +
            "skip endpoints another claim holds (FOR UPDATE SKIP LOCKED), so a claim may come back short while others " +
            "book; the next claim takes the rest. MultiNodeClaimTests.ClaimDueAsync_TwoNodesConcurrently_NeverClaimTheSameDelivery " +
            "claims until drained and checks that no delivery is claimed twice.",
    };

    private readonly PostgresTestDatabase _database = new();

    protected override async Task<IHooklineStore> OpenStoreAsync(TimeProvider time)
    {
        await _database.EnsureCreatedAsync();
        return new PostgresHooklineStore(_database.ConnectionString, time);
    }

    protected override Task DropDatabaseAsync() => _database.DisposeAsync().AsTask();
}
