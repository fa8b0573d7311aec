using Hookline.Core.Ingest;
using Hookline.Server.Api;
using Hookline.Server.Auth;
using Hookline.Server.Endpoints;
using Hookline.Server.Hosting;
using Hookline.Server.Relay;

namespace Hookline.Server.Ingest;

/// <summary>
/// The receiving gateway: ingest URLs (<c>POST /ingest/{token}</c>, anonymous — the token is the
/// credential) and the Svix Ingest management API under <c>/ingest/api/v1</c> (sources, their
/// endpoints, the request log and replay).
/// </summary>
internal static class IngestApi
{
    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/ingest/api/v1").WithMetadata(new RequiresApiTokenMetadata());
        api.MapSourceApi()
            .MapSourceEndpointApi()
            .MapIngestLogApi()
            .MapSourceRelayApi();

        app.MapPost("/ingest/{token}", ReceiveAsync).WithName("ingest.receive").WithTags("Ingest")
            .WithSummary("Ingest URL: a provider posts its webhook here")
            .WithDescription("Verified with the source's scheme, deduplicated, stored durably and answered at once; then forwarded to the source's endpoints. " +
                "401 with a reason when verification fails, 413 over Hookline:Limits:MaxPayloadBytes, 404 for an unknown token.");
        return app;
    }

    /// <summary>
    /// Size limit first (413, logged), then <see cref="IngestService"/>: verify, answer a handshake,
    /// dedupe, store the request and its message in one transaction, answer.
    /// </summary>
    private static async Task ReceiveAsync(HttpContext context, string token, IngestService ingest, ApiBody body, PublicUrl publicUrl)
    {
        var request = context.Request;
        var headers = Headers(request);
        byte[] bytes;
        try
        {
            bytes = await body.ReadBytesAsync(request);
        }
        catch (ApiException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            if (!await ingest.LogTooLargeAsync(token, headers, body.MaxBytes, context.RequestAborted))
            {
                throw UnknownToken();
            }
            throw;
        }
        // Providers that sign the URL (Twilio, Square) signed the one they were given: the ingest URL
        // as Hookline shows it, whatever a proxy in front rewrote.
        var url = SourceApi.IngestUrl(context, publicUrl, token) + request.QueryString.Value;
        var response = await ingest.ReceiveAsync(token, new IngestHttpRequest(request.Method, url, headers, bytes), context.RequestAborted)
            ?? throw UnknownToken();
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        await context.Response.WriteAsync(response.Body, context.RequestAborted);
    }

    private static List<KeyValuePair<string, string>> Headers(HttpRequest request)
    {
        var list = new List<KeyValuePair<string, string>>(request.Headers.Count);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                list.Add(new(name, value ?? ""));
            }
        }
        return list;
    }

    private static ApiException UnknownToken() => ApiException.NotFound("No source has this ingest URL (an unknown or expired token).");
}
