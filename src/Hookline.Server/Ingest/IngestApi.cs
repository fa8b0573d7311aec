using System.Diagnostics;
using System.Text.Json;
using Hookline.Core.Ingest;
using Hookline.Core.Model;
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
                "401 with a reason when verification fails, 413 over Hookline:Limits:MaxPayloadBytes, 404 for an unknown token, " +
                "503 with Retry-After when nothing could be stored (storage_full: the disk is full; database_unavailable).");
        return app;
    }

    /// <summary>
    /// Size limit first (413, logged), then <see cref="IngestService.ReceiveAsync"/>: verify, dedupe,
    /// store the request and its message in one transaction; its result becomes the answer here.
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
        var result = await ingest.ReceiveAsync(token, new IngestHttpRequest(request.Method, url, headers, bytes), context.RequestAborted)
            ?? throw UnknownToken();
        var (status, contentType, text) = Answer(result);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    /// <summary>
    /// The answer a provider gets: 200 with the message id when accepted (or a duplicate, so the
    /// provider stops retrying), 401 with the verifier's reason, a handshake as its scheme says. The
    /// request log records the same status (<see cref="IngestService"/> writes it).
    /// </summary>
    private static (int Status, string ContentType, string Body) Answer(IngestResult result) => result.Outcome switch
    {
        IngestOutcome.Accepted => (StatusCodes.Status200OK, "application/json", JsonSerializer.Serialize(new { status = "accepted", messageId = result.MessageId })),
        IngestOutcome.Duplicate => (StatusCodes.Status200OK, "application/json", JsonSerializer.Serialize(new { status = "duplicate", messageId = result.MessageId })),
        IngestOutcome.Rejected => (StatusCodes.Status401Unauthorized, "application/json", JsonSerializer.Serialize(new { code = "invalid_signature", detail = result.Reason })),
        IngestOutcome.Handshake when result.Handshake is { } handshake => (handshake.StatusCode, handshake.ContentType, handshake.Body),
        _ => throw new UnreachableException($"Ingest outcome {result.Outcome} has no answer."),
    };

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
