using Hookline.Core.Storage;

namespace Microsoft.Extensions.DependencyInjection;

public static class StoreServiceCollectionExtensions
{
    /// <summary>Exposes a registered store singleton as <see cref="IHooklineStore"/> and as each narrower store interface.</summary>
    public static IServiceCollection AddHooklineStoreParts<TStore>(this IServiceCollection services)
        where TStore : class, IHooklineStore
    {
        services.AddSingleton<IHooklineStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IApplicationStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IEventTypeStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IEndpointStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IDeliveryStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IAttemptStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IAuthStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<ITaskStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<ISourceStore>(sp => sp.GetRequiredService<IHooklineStore>());
        services.AddSingleton<IStatsStore>(sp => sp.GetRequiredService<IHooklineStore>());
        return services;
    }
}
