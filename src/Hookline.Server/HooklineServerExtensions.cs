using Hookline.Server.Health;

namespace Hookline.Server;

/// <summary>Composition of the Hookline host: services and endpoints.</summary>
public static class HooklineServerExtensions
{
    public static WebApplicationBuilder AddHooklineServer(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder;
    }

    public static WebApplication MapHooklineServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthApi();
        return app;
    }
}
