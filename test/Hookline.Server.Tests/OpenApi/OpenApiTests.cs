using System.Net;
using Hookline.Server.Tests.Infrastructure;

namespace Hookline.Server.Tests.OpenApi;

public sealed class OpenApiTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly HooklineHost _host = fixture.Host;

    [Fact]
    public async Task Document_IsServedAnonymouslyAndCoversEverySvixPath()
    {
        using var client = _host.CreateClient();

        var document = await client.GetAtAsync("/openapi/v1.json").ExpectAsync(HttpStatusCode.OK);

        Assert.StartsWith("3.", document.Str("openapi"), StringComparison.Ordinal);
        var paths = document.GetProperty("paths").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        foreach (var (method, path) in SvixOperations)
        {
            Assert.True(paths.ContainsKey(path), $"{path} is missing from the OpenAPI document");
            Assert.True(paths[path].TryGetProperty(method.ToLowerInvariant(), out _), $"{method} {path} is missing");
        }
        Assert.True(paths.ContainsKey("/api/v1/operational-webhook/endpoint"));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("HTTPBearer").Str("scheme"));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("EndpointOut", out _));
    }

    [Fact]
    public async Task Reference_IsServedAnonymously()
    {
        using var client = _host.CreateClient();

        using var response = await client.GetAsync(new Uri("/docs/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
    }

    /// <summary>Every operation of Svix's OSS OpenAPI document (svix-webhooks, MIT), which Hookline serves too.</summary>
    private static readonly (string Method, string Path)[] SvixOperations =
    [
        ("GET", "/api/v1/app"),
        ("POST", "/api/v1/app"),
        ("DELETE", "/api/v1/app/{app_id}"),
        ("GET", "/api/v1/app/{app_id}"),
        ("PATCH", "/api/v1/app/{app_id}"),
        ("PUT", "/api/v1/app/{app_id}"),
        ("GET", "/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}"),
        ("GET", "/api/v1/app/{app_id}/attempt/msg/{msg_id}"),
        ("GET", "/api/v1/app/{app_id}/endpoint"),
        ("POST", "/api/v1/app/{app_id}/endpoint"),
        ("DELETE", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
        ("GET", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
        ("PATCH", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
        ("PUT", "/api/v1/app/{app_id}/endpoint/{endpoint_id}"),
        ("GET", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"),
        ("PATCH", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"),
        ("PUT", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers"),
        ("GET", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg"),
        ("POST", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover"),
        ("GET", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret"),
        ("POST", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate"),
        ("POST", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example"),
        ("GET", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats"),
        ("GET", "/api/v1/app/{app_id}/msg"),
        ("POST", "/api/v1/app/{app_id}/msg"),
        ("GET", "/api/v1/app/{app_id}/msg/{msg_id}"),
        ("GET", "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}"),
        ("DELETE", "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content"),
        ("DELETE", "/api/v1/app/{app_id}/msg/{msg_id}/content"),
        ("GET", "/api/v1/app/{app_id}/msg/{msg_id}/endpoint"),
        ("POST", "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend"),
        ("POST", "/api/v1/auth/app-portal-access/{app_id}"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/event-type"),
        ("POST", "/api/v1/event-type"),
        ("DELETE", "/api/v1/event-type/{event_type_name}"),
        ("GET", "/api/v1/event-type/{event_type_name}"),
        ("PATCH", "/api/v1/event-type/{event_type_name}"),
        ("PUT", "/api/v1/event-type/{event_type_name}"),
        ("GET", "/api/v1/health"),
        ("GET", "/api/v1/health/ping"),
    ];
}
