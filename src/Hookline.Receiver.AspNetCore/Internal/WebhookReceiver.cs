using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Hookline.Core.Storage;
using Hookline.Signatures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// The request side of one webhook: size limit (413), signature (401 with the verifier's short
/// reason; handshakes answered), then one insert keyed by (webhook, delivery id) and 200. The 200 is
/// only sent after the insert committed, so an acknowledged event is never lost; a duplicate is
/// acknowledged too and not run again. A store that cannot be reached answers 503 so the provider
/// retries later.
/// </summary>
internal sealed class WebhookReceiver
{
    private readonly WebhookDefinition _webhook;
    private readonly InboxStoreHolder _store;
    private readonly InboxSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public WebhookReceiver(WebhookDefinition webhook, InboxStoreHolder store, InboxSignal signal, TimeProvider time, ILogger logger)
    {
        _webhook = webhook;
        _store = store;
        _signal = signal;
        _time = time;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var limit = _webhook.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            await ErrorAsync(response, StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The body is over the limit of {limit} bytes.");
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // Our own limit decides, also when it is above the server's default.
            sizeFeature.MaxRequestBodySize = limit + 1;
        }
        var body = await ReadBodyAsync(request.Body, limit, context.RequestAborted);
        if (body is null)
        {
            await ErrorAsync(response, StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The body is over the limit of {limit} bytes.");
            return;
        }

        var headers = new WebhookHeaders();
        foreach (var (name, values) in request.Headers)
        {
            headers.AddRange(name, values);
        }
        var url = _webhook.PublicUrl?.AbsoluteUri ?? request.GetEncodedUrl();
        var result = _webhook.Verifier.Verify(new WebhookRequest(headers, body, url, request.Method));
        if (!result.IsValid)
        {
            Log.Rejected(_logger, _webhook.Name, result.Failure.ToString(), result.Message);
            await ErrorAsync(response, StatusCodes.Status401Unauthorized, FailureCode(result.Failure), result.Message);
            return;
        }
        if (result.Handshake is { } handshake)
        {
            response.StatusCode = handshake.StatusCode;
            response.ContentType = handshake.ContentType;
            await response.WriteAsync(handshake.Body, context.RequestAborted);
            return;
        }

        var deliveryId = result.DeliveryId is { Length: > 0 } id ? id : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        InboxInsertResult inserted;
        try
        {
            var store = await _store.GetAsync(context.RequestAborted);
            inserted = await store.InsertInboxItemAsync(new NewInboxItem
            {
                Webhook = _webhook.Name,
                DeliveryId = deliveryId,
                Headers = headers.ToArray(),
                Body = body,
                Url = url,
                Method = request.Method,
                VerifiedTimestamp = result.Timestamp,
                ReceivedAt = _time.GetUtcNow(),
            }, context.RequestAborted);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            Log.StoreFailed(_logger, _webhook.Name, ex);
            response.Headers.RetryAfter = "5";
            await ErrorAsync(response, StatusCodes.Status503ServiceUnavailable, "inbox_unavailable", "The webhook could not be stored; try again later.");
            return;
        }
        if (inserted.Duplicate)
        {
            Log.Duplicate(_logger, _webhook.Name, deliveryId, inserted.Id);
        }
        else
        {
            _signal.Wake();
            _store.AnnounceWork(_logger);
        }
        response.StatusCode = StatusCodes.Status200OK;
        await response.WriteAsJsonAsync(new ReceivedResponse(deliveryId, inserted.Duplicate), ReceiverJsonContext.Default.ReceivedResponse, cancellationToken: context.RequestAborted);
    }

    /// <summary>Reads the whole body, or returns null as soon as it passes <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var collected = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (collected.Length + read > limit)
                {
                    return null;
                }
                collected.Write(buffer, 0, read);
            }
            return collected.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Task ErrorAsync(HttpResponse response, int status, string code, string detail)
    {
        response.StatusCode = status;
        return response.WriteAsJsonAsync(new ErrorResponse(code, detail), ReceiverJsonContext.Default.ErrorResponse);
    }

    /// <summary><c>NoMatchingSignature</c> → <c>no_matching_signature</c>.</summary>
    internal static string FailureCode(VerificationFailure failure) => JsonNamingPolicy.SnakeCaseLower.ConvertName(failure.ToString());
}
