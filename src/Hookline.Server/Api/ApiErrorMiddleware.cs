using System.Text.Json;
using Hookline.Core.Storage;

namespace Hookline.Server.Api;

/// <summary>
/// Turns exceptions into Svix-shaped answers: <see cref="ApiException"/> as it says, malformed
/// requests (<see cref="BadHttpRequestException"/>, <see cref="JsonException"/>) as 400/413, a store
/// uniqueness clash as 409, a database that is briefly unreachable or whose disk is full as 503 with
/// Retry-After, and only genuine server faults as 500. Registered twice: inside the
/// idempotency layer (so the stored response is the final one) and outermost (for auth errors).
/// </summary>
internal sealed partial class ApiErrorMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ILogger<ApiErrorMiddleware> _logger;

    public ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
    {
        _next = next;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await _next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var (status, body) = Translate(ex);
            if (ex is StoreFullException)
            {
                // Not a fault in Hookline but one the operator must act on: one line, no stack trace.
                LogStorageFull(_logger, context.Request.Method, context.Request.Path, ex.Message);
            }
            else if (status >= 500)
            {
                LogServerFault(_logger, context.Request.Method, context.Request.Path, ex);
            }
            await WriteAsync(context, status, body);
        }
    }

    public static (int Status, object Body) Translate(Exception ex) => ex switch
    {
        ApiException api => (api.StatusCode, api.Body),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            (413, new HttpErrorOut("payload_too_large", "The request body is too large.")),
        BadHttpRequestException bad => (bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, new HttpErrorOut("bad_request", bad.Message)),
        JsonException json => (400, new HttpErrorOut("invalid_json", "The request body is not valid JSON: " + json.Message)),
        // The disk holding the database is full: the write was rolled back, nothing committed before is
        // touched, and the same request succeeds once the operator frees space.
        StoreFullException =>
            (503, new HttpErrorOut(StorageFullCode, "The server's storage is full; nothing was written. Retry the request later (with the same idempotency-key).")),
        StoreConflictException conflict => (409, new HttpErrorOut("conflict", string.IsNullOrEmpty(conflict.Message) ? "A conflict has occurred" : conflict.Message)),
        // The database is unreachable or busy (the provider says a retry may succeed): nothing was
        // written, so the client may send the same request again (with its idempotency-key).
        System.Data.Common.DbException { IsTransient: true } =>
            (503, new HttpErrorOut("database_unavailable", "The database is unavailable right now; retry the request shortly.")),
        _ => (500, new HttpErrorOut("server_error", "Internal Server Error")),
    };

    /// <summary>The error code of a 503 answered because the database's disk is full.</summary>
    public const string StorageFullCode = "storage_full";

    /// <summary>
    /// Seconds a client should wait after <c>storage_full</c>: freeing disk space takes an operator
    /// minutes, not the one second a database blip takes, so clients are asked not to hammer.
    /// </summary>
    public const int StorageFullRetryAfterSeconds = 30;

    public static async Task WriteAsync(HttpContext context, int status, object body)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = body is HttpErrorOut { Code: StorageFullCode }
                ? StorageFullRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : "1";
        }
        await JsonSerializer.SerializeAsync(context.Response.Body, body, body.GetType(), ApiJson.Options, context.RequestAborted);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogServerFault(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Storage full: {Method} {Path} answered 503 storage_full; free disk space on the database's volume ({Reason})")]
    private static partial void LogStorageFull(ILogger logger, string method, string path, string reason);
}
