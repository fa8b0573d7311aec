namespace Hookline.Server.Health;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        // Svix answers 204 with no body on /api/v1/health; /health/ping is its liveness probe.
        routes.MapGet("/api/v1/health", () => TypedResults.NoContent()).AllowAnonymous();
        routes.MapGet("/api/v1/health/ping", () => TypedResults.Ok(new { response = "pong" })).AllowAnonymous();
        return routes;
    }
}
