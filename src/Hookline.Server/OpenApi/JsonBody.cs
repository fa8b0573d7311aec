using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Hookline.Server.OpenApi;

/// <summary>
/// Documents a route's JSON request body without <c>Accepts</c> metadata, which would make routing
/// refuse other content types with 415: bodies are read as JSON whatever the content type says
/// (curl's <c>-d</c> sends a form content type).
/// </summary>
internal sealed record JsonBodyMetadata(Type Type);

internal static class JsonBody
{
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new JsonBodyMetadata(typeof(T)));

    public static async Task AddRequestBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonBodyMetadata>().FirstOrDefault() is not { } body)
        {
            return;
        }
        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } },
        };
    }
}
