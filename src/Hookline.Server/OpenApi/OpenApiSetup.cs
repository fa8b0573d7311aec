using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Hookline.Server.OpenApi;

/// <summary>The OpenAPI document of the whole API (<c>/openapi/v1.json</c>) and a browsable reference (<c>/docs</c>), both anonymous.</summary>
internal static class OpenApiSetup
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";

    public static IServiceCollection AddHooklineOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options => options
            .AddOperationTransformer(JsonBody.AddRequestBodyAsync)
            .AddSchemaTransformer((schema, context, cancellationToken) =>
            {
                // Payloads and schemas are passed through as raw JSON objects.
                if (context.JsonTypeInfo.Type == typeof(Api.RawJson) || context.JsonTypeInfo.Type == typeof(Api.RawJson?))
                {
                    schema.Type = JsonSchemaType.Object;
                    schema.Properties?.Clear();
                    schema.Required?.Clear();
                    schema.AdditionalPropertiesAllowed = true;
                }
                // Timestamps go through a custom converter (UTC with 'Z'); keep them typed as strings.
                var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
                if (type == typeof(DateTimeOffset))
                {
                    schema.Type = context.JsonTypeInfo.Type == type ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
                    schema.Format = "date-time";
                }
                return Task.CompletedTask;
            })
            .AddDocumentTransformer((document, context, cancellationToken) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Hookline API",
                Version = "1.0",
                Description = "Hookline's management API: wire-compatible with the Svix v1 API (applications, endpoints, event types, " +
                    "messages, attempts), plus Hookline's additions. Authenticate with 'Authorization: Bearer <token>'.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["HTTPBearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The admin token, or an application token from /api/v1/auth/app-portal-access.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("HTTPBearer", document)] = [] });
            return Task.CompletedTask;
        }));

    public static IEndpointRouteBuilder MapHooklineOpenApi(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().ExcludeFromDescription();
        routes.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Hookline API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .AllowAnonymous();
        return routes;
    }
}
