namespace Hookline.Server.Health;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        // Svix answers 204 with no body on both: /api/v1/health, and /health/ping, its liveness probe.
        routes.MapGet("/api/v1/health", () => TypedResults.NoContent()).AllowAnonymous();
        routes.MapGet("/api/v1/health/ping", () => TypedResults.NoContent()).AllowAnonymous();
        return routes;
    }
}
