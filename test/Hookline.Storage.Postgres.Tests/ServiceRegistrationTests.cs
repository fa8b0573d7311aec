using Hookline.Core.Delivery;
using Hookline.Core.Storage;
using Hookline.Storage.Postgres.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hookline.Storage.Postgres.Tests;

public sealed class ServiceRegistrationTests
{
    [Fact]
    public async Task AddHooklinePostgresStore_RegistersOneStoreForEveryPartAndTheNotifier()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHooklinePostgresStore("Host=127.0.0.1;Database=hookline");
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IHooklineStore>();
        Assert.IsType<PostgresHooklineStore>(store);
        Assert.Same(store, provider.GetRequiredService<IDeliveryStore>());
        Assert.Same(store, provider.GetRequiredService<IMessageStore>());
        Assert.Same(store, provider.GetRequiredService<ITaskStore>());
        Assert.NotNull(provider.GetRequiredService<DeliverySignal>());
        Assert.Single(provider.GetServices<IHostedService>().OfType<PostgresWorkNotifier>());
        Assert.Equal("hookline", ((PostgresHooklineStore)store).DataSource.ConnectionString.Split(';')
            .Select(p => p.Split('=')).Where(p => p[0].Equals("Application Name", StringComparison.OrdinalIgnoreCase)).Select(p => p[1]).Single());
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=hookline", 100, 2)]
    [InlineData("Host=127.0.0.1;Database=hookline;Max Auto Prepare=0", 0, 5)]
    [InlineData("Host=127.0.0.1;Database=hookline;maxautoprepare=20", 20, 5)]
    [InlineData("Host=127.0.0.1;Database=hookline;Auto Prepare Min Usages=3", 100, 3)]
    public async Task CreateDataSource_PreparesStatementsUnlessTheConnectionStringSaysOtherwise(string connectionString, int maxAutoPrepare, int minUsages)
    {
        await using var dataSource = PostgresHooklineStore.CreateDataSource(connectionString);

        var settings = new Npgsql.NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal((maxAutoPrepare, minUsages), (settings.MaxAutoPrepare, settings.AutoPrepareMinUsages));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=hookline", true)]
    [InlineData("Host=127.0.0.1;Database=hookline;No Reset On Close=false", false)]
    public async Task CreateDataSource_SkipsTheSessionResetUnlessTheConnectionStringSaysOtherwise(string connectionString, bool noReset)
    {
        await using var dataSource = PostgresHooklineStore.CreateDataSource(connectionString);

        Assert.Equal(noReset, new Npgsql.NpgsqlConnectionStringBuilder(dataSource.ConnectionString).NoResetOnClose);
    }

    [Theory]
    [InlineData("hookline-work")]
    [InlineData("Hookline")]
    [InlineData("")]
    public async Task AddHooklinePostgresStore_ChannelThatIsNotAPlainIdentifier_IsRefused(string channel)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHooklinePostgresStore(o =>
        {
            o.ConnectionString = "Host=127.0.0.1;Database=hookline";
            o.NotificationChannel = channel;
        });
        await using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IHooklineStore>());
    }

    [Fact]
    public void AddHooklinePostgresStore_NoConnectionString_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddHooklinePostgresStore(" "));
    }
}
