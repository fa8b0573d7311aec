using Hookline.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Storage.Compliance;

/// <summary>
/// The store contract, tested once and run against every store (Wolverine's pattern). Each store's
/// test project subclasses this and says how to open a store over a database of the test's own;
/// everything else goes through <see cref="IHooklineStore"/> only, so the rules in its XML docs are
/// what is checked here, not one implementation's habits.
/// </summary>
/// <remarks>
/// xUnit creates one instance of the class per test, so <see cref="OpenStoreAsync"/> can give every
/// test a fresh database (a temporary SQLite file, a throw-away PostgreSQL database). Calling it again
/// within a test opens another instance over the same database, which is how a second process or
/// node looks; the concurrency tests use that.
/// </remarks>
public abstract partial class StoreComplianceSuite : IAsyncLifetime
{
    /// <summary>A fixed, whole-second start so that millisecond-precision stores round-trip every time exactly.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<IHooklineStore> _opened = [];

    /// <summary>The clock given to every store the suite opens.</summary>
    protected FakeTimeProvider Time { get; } = new(Start);

    /// <summary>The migrated store of this test.</summary>
    protected IHooklineStore Store { get; private set; } = null!;

    /// <summary>Shorthand: the suite never cancels.</summary>
    protected static CancellationToken None => CancellationToken.None;

    /// <summary>
    /// Opens a new, not yet migrated store instance over this test's database, creating the database
    /// on the first call. Every call within one test must reach the same database.
    /// </summary>
    protected abstract Task<IHooklineStore> OpenStoreAsync(TimeProvider time);

    /// <summary>Removes this test's database; every store the suite opened has been disposed already.</summary>
    protected abstract Task DropDatabaseAsync();

    /// <summary>A new migrated store instance over this test's database.</summary>
    protected async Task<IHooklineStore> CreateStoreAsync()
    {
        var store = await OpenTrackedStoreAsync();
        await store.MigrateAsync(None);
        return store;
    }

    protected async Task<IHooklineStore> OpenTrackedStoreAsync()
    {
        var store = await OpenStoreAsync(Time);
        _opened.Add(store);
        return store;
    }

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            switch (store)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
        await DropDatabaseAsync();
    }
}
