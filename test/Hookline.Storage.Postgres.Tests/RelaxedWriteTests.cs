namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// The engine's relaxed writes (leases, outcomes) commit without waiting for the WAL flush. They
/// get that from a pool of their own whose sessions start with <c>synchronous_commit = off</c>,
/// rather than a <c>SET LOCAL</c> round trip in every transaction; everything else keeps the
/// server's setting.
/// </summary>
public sealed class RelaxedWriteTests : PostgresTestBase
{
    /// <summary>
    /// A store whose connection string asks for <c>synchronous_commit = on</c> (the test server runs
    /// with it off), so that durable and relaxed sessions differ.
    /// </summary>
    private PostgresHooklineStore StoreWaitingForTheWal(string node, string relaxedSessionOptions = PostgresHooklineStore.RelaxedSessionOptions) =>
        new(new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionStringFor(node)) { Options = "-c synchronous_commit=on" }.ConnectionString,
            TimeProvider.System, relaxedSessionOptions);

    [Fact]
    public async Task RelaxedWrite_ComesFromItsOwnPool_WithoutWaitingForTheWal()
    {
        await using var store = StoreWaitingForTheWal("relaxed");
        var relaxed = await store.WriteSettingAsync(relaxed: true, CancellationToken.None);
        var durable = await store.WriteSettingAsync(relaxed: false, CancellationToken.None);

        Assert.True(store.RelaxedPoolInUse);
        Assert.Equal("off", relaxed.Setting);
        Assert.Equal("on", durable.Setting);
        // Two pools, so two sessions: the durable one never carries the relaxed setting.
        Assert.NotEqual(relaxed.BackendPid, durable.BackendPid);
        Assert.Equal("on", (await store.WriteSettingAsync(relaxed: false, CancellationToken.None)).Setting);
    }

    [Fact]
    public async Task RelaxedPoolRefused_FallsBackToSetLocal_AndStopsTrying()
    {
        // What a pooler that does not pass "options" on does to the relaxed pool's connections: the
        // server refuses them at start-up (here, an invalid value for the setting).
        await using var store = StoreWaitingForTheWal("refused", "-c synchronous_commit=bogus");

        var relaxed = await store.WriteSettingAsync(relaxed: true, CancellationToken.None);

        Assert.Equal("off", relaxed.Setting);
        Assert.False(store.RelaxedPoolInUse);
        Assert.Equal("on", (await store.WriteSettingAsync(relaxed: false, CancellationToken.None)).Setting);
        Assert.Equal("off", (await store.WriteSettingAsync(relaxed: true, CancellationToken.None)).Setting);
    }
}
