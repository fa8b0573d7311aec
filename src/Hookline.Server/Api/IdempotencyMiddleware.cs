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
/// <remarks>
/// The remembered body is sealed (AES-GCM) with a key derived from the caller's raw token and the
/// idempotency key, neither of which the database holds (tokens are stored as hashes), so the
/// tokens and secrets that answers carry — a portal token, a source's config — are never at rest in
/// clear. Only the same caller repeating the same request can open it.
/// </remarks>
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

        var rawToken = ApiAuthMiddleware.ReadBearer(context.Request.Headers.Authorization.ToString()) ?? "";
        var store = context.RequestServices.GetRequiredService<IIdempotencyStore>();
        var keyHash = HashKey(caller.TokenHash, context.Request.Method, context.Request.Path.Value ?? "", key);
        var now = time.GetUtcNow();
        var (state, stored) = await store.TryAcquireIdempotencyKeyAsync(keyHash, now, now + Retention, context.RequestAborted);
        switch (state)
        {
            case IdempotencyState.Completed when stored is not null:
                var body = Open(stored.Body, rawToken, context.Request.Method, context.Request.Path.Value ?? "", key)
                    ?? throw ApiException.Conflict(
                        "The response remembered for this idempotency-key cannot be read back; send the request with a new key.",
                        "idempotency_key_unusable");
                context.Response.StatusCode = stored.StatusCode;
                if (stored.ContentType is not null)
                {
                    context.Response.ContentType = stored.ContentType;
                }
                context.Response.Headers["idempotent-replayed"] = "true";
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
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
                try
                {
                    await store.CompleteIdempotencyKeyAsync(keyHash, new IdempotentResponse(status, context.Response.ContentType, Seal(buffer.ToArray(), rawToken, context.Request.Method, context.Request.Path.Value ?? "", key)), CancellationToken.None);
                }
                catch (StoreFullException)
                {
                    // The work committed (the disk filled up just after): its answer stands rather than
                    // a 503 that would make the client send it again. The key stays "in progress" and
                    // goes stale after a minute, like one whose node died.
                }
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

    private const byte SealedVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary><c>[1][nonce][tag][ciphertext]</c>, AES-256-GCM under <see cref="SealingKey"/>.</summary>
    internal static byte[] Seal(byte[] body, string rawToken, string method, string path, string key)
    {
        var sealedBody = new byte[1 + NonceSize + TagSize + body.Length];
        sealedBody[0] = SealedVersion;
        var nonce = sealedBody.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(SealingKey(rawToken, method, path, key), TagSize);
        aes.Encrypt(nonce, body, sealedBody.AsSpan(1 + NonceSize + TagSize), sealedBody.AsSpan(1 + NonceSize, TagSize));
        return sealedBody;
    }

    /// <summary>The body, or null when it cannot be opened. A body remembered in clear by an earlier version is returned as is.</summary>
    internal static byte[]? Open(byte[] stored, string rawToken, string method, string path, string key)
    {
        if (stored.Length == 0 || stored[0] != SealedVersion)
        {
            return stored;
        }
        if (stored.Length < 1 + NonceSize + TagSize)
        {
            return null;
        }
        var body = new byte[stored.Length - 1 - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(SealingKey(rawToken, method, path, key), TagSize);
            aes.Decrypt(stored.AsSpan(1, NonceSize), stored.AsSpan(1 + NonceSize + TagSize), stored.AsSpan(1 + NonceSize, TagSize), body);
            return body;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] SealingKey(string rawToken, string method, string path, string key) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(rawToken), Encoding.UTF8.GetBytes(string.Join('\n', "hookline idempotent response", method.ToUpperInvariant(), path, key)));

    internal static string HashKey(string tokenHash, string method, string path, string key)
    {
        var material = string.Join('\n', tokenHash, method.ToUpperInvariant(), path, key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }
}
