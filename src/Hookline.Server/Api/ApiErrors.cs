using System.Text.Json.Serialization;

namespace Hookline.Server.Api;

/// <summary>Svix's error body: <c>{"code": …, "detail": …}</c>.</summary>
public sealed record HttpErrorOut(string Code, string Detail);

/// <summary>Svix's 422 body: <c>{"detail": [{"loc": […], "msg": …, "type": …}]}</c>.</summary>
public sealed record HttpValidationError(IReadOnlyList<ValidationErrorItem> Detail);

public sealed record ValidationErrorItem(
    IReadOnlyList<string> Loc,
    string Msg,
    [property: JsonPropertyName("type")] string Type);

/// <summary>
/// A client mistake, answered with a 4xx in Svix's shape. Handlers throw it; the API error
/// middleware writes it. Only the error path pays for the exception.
/// </summary>
internal sealed class ApiException : Exception
{
    private ApiException(int statusCode, object body, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Body = body;
    }

    public int StatusCode { get; }

    /// <summary>An <see cref="HttpErrorOut"/> or an <see cref="HttpValidationError"/>.</summary>
    public object Body { get; }

    public static ApiException Status(int statusCode, string code, string detail) =>
        new(statusCode, new HttpErrorOut(code, detail), detail);

    public static ApiException BadRequest(string detail, string code = "bad_request") => Status(StatusCodes.Status400BadRequest, code, detail);

    public static ApiException Unauthorized(string detail) => Status(StatusCodes.Status401Unauthorized, "authentication_failed", detail);

    public static ApiException Forbidden(string detail = "Insufficient access for the given operation.") =>
        Status(StatusCodes.Status403Forbidden, "insufficient_access", detail);

    public static ApiException NotFound(string detail = "Entity not found") => Status(StatusCodes.Status404NotFound, "not_found", detail);

    public static ApiException Conflict(string detail, string code = "conflict") => Status(StatusCodes.Status409Conflict, code, detail);

    public static ApiException PayloadTooLarge(long limit) =>
        Status(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The request body is larger than the limit of {limit} bytes (Hookline:Limits:MaxPayloadBytes).");

    public static ApiException Validation(IReadOnlyList<ValidationErrorItem> items) =>
        new(StatusCodes.Status422UnprocessableEntity, new HttpValidationError(items), items.Count > 0 ? items[0].Msg : "Validation failed");

    public static ApiException Validation(string[] loc, string msg, string type = "value_error") =>
        Validation([new ValidationErrorItem(loc, msg, type)]);
}
