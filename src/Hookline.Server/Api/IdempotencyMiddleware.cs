using System.Security.Cryptography;
using System.Text;
using Hookline.Core.Storage;
using Hookline.Server.Auth;

namespace Hookline.Server.Api;

/// <summary>
/// <c>idempotency-key</c> on POST: the first response (status, content type, body) is remembered
/// for 12 hours under a hash of token, method, path and key, and replayed for a repeat. A repeat
/// that arrives while the first is still running gets 409; 5xx answers are not remembered, so a
/// retry after a server fault runs again.
/// </summary>
internal sealed class IdempotencyMiddleware
{
    public const string HeaderName = "idempotency-key";
    public static readonly TimeSpan Retention = TimeSpan.FromHours(12);

    private readonly RequestDelegate _next;

    public IdempotencyMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context, TimeProvider time)
    {
        var key = context.Request.Headers[HeaderName].ToString();
        var caller = context.Features.Get<ApiCaller>();
        if (!HttpMethods.IsPost(context.Request.Method) || key.Length == 0 || caller is null)
        {
            await _next(context);
            return;
        }
        if (key.Length > 256)
        {
            throw ApiException.Validation(["header", HeaderName], "ensure this value has at most 256 characters", "value_error.any_str.max_length");
        }

        var store = context.RequestServices.GetRequiredService<IIdempotencyStore>();
        var keyHash = HashKey(caller.TokenHash, context.Request.Method, context.Request.Path.Value ?? "", key);
        var now = time.GetUtcNow();
        var (state, stored) = await store.TryAcquireIdempotencyKeyAsync(keyHash, now, now + Retention, context.RequestAborted);
        switch (state)
        {
            case IdempotencyState.Completed when stored is not null:
                context.Response.StatusCode = stored.StatusCode;
                if (stored.ContentType is not null)
                {
                    context.Response.ContentType = stored.ContentType;
                }
                context.Response.Headers["idempotent-replayed"] = "true";
                await context.Response.Body.WriteAsync(stored.Body, context.RequestAborted);
                return;
            case IdempotencyState.InProgress:
            case IdempotencyState.Completed:
                throw ApiException.Conflict(
                    "A request with this idempotency-key is still being processed; retry once it has completed.",
                    "idempotency_in_progress");
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        var completed = false;
        try
        {
            await _next(context);
            var status = context.Response.StatusCode;
            if (status < 500)
            {
                await store.CompleteIdempotencyKeyAsync(keyHash, new IdempotentResponse(status, context.Response.ContentType, buffer.ToArray()), CancellationToken.None);
                completed = true;
            }
        }
        finally
        {
            context.Response.Body = original;
            if (!completed)
            {
                await store.AbandonIdempotencyKeyAsync(keyHash, CancellationToken.None);
            }
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    internal static string HashKey(string tokenHash, string method, string path, string key)
    {
        var material = string.Join('\n', tokenHash, method.ToUpperInvariant(), path, key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }
}
