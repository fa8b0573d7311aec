using System.Diagnostics;
using System.Text;
using Hookline.Core.Ids;
using Hookline.Core.Ingest;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Ingest;

/// <summary>
/// A source's request log (<c>/ingest/api/v1/source/{source_id}/log</c>, Svix's <c>IngestLogOut</c>
/// shape with Hookline's additions), one entry by id, and replay of a stored request to the
/// source's endpoints (Hookline additions).
/// </summary>
internal static class IngestLogApi
{
    public static RouteGroupBuilder MapIngestLogApi(this RouteGroupBuilder ingestApi)
    {
        var group = ingestApi.MapGroup("/source/{source_id}/log").WithTags("Ingest Logs");
        group.MapGet("/", ListAsync).WithName("v1.ingest.log.list").WithSummary("List Logs");
        group.MapGet("/{log_id}", GetAsync).WithName("v1.ingest.log.get").WithSummary("Get Log Entry");
        group.MapPost("/{log_id}/replay", ReplayAsync).WithName("v1.ingest.log.replay").WithSummary("Replay a Logged Request to the Source's Endpoints")
            .AcceptsJson<IngestReplayIn>();
        return ingestApi;
    }

    /// <summary>Newest first, like Svix's log.</summary>
    private static async Task<Ok<ListResponse<IngestLogOut>>> ListAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "source_id")] string sourceId, int? limit, string? iterator, string? order)
    {
        var source = await SourceAccess.GetAsync(context, store, sourceId);
        var page = await store.ListIngestRequestsAsync(source.Id, Lists.Query(limit, iterator, order, descendingByDefault: true, HooklineIds.IngestLog), context.RequestAborted);
        var data = new List<IngestLogOut>(page.Data.Count);
        foreach (var record in page.Data)
        {
            data.Add(await ToOutAsync(context, store, source, record));
        }
        return TypedResults.Ok(new ListResponse<IngestLogOut>(data, page.Iterator, page.PrevIterator, page.Done));
    }

    private static async Task<Ok<IngestLogOut>> GetAsync(
        HttpContext context, IHooklineStore store, [FromRoute(Name = "source_id")] string sourceId, [FromRoute(Name = "log_id")] string logId)
    {
        var source = await SourceAccess.GetAsync(context, store, sourceId);
        var record = await GetRecordAsync(context, store, source, logId);
        return TypedResults.Ok(await ToOutAsync(context, store, source, record));
    }

    /// <summary>
    /// Replay (<see cref="IngestService.ReplayAsync"/>) answered in the API's terms: 202 with the
    /// message and the endpoints it was queued to; 409 for a request that became no message, 404
    /// when the message or the endpoint is gone, 400 when the payload is.
    /// </summary>
    private static async Task<Accepted<IngestReplayOut>> ReplayAsync(
        HttpContext context, IHooklineStore store, ApiBody body, IngestService ingest,
        [FromRoute(Name = "source_id")] string sourceId, [FromRoute(Name = "log_id")] string logId)
    {
        var source = await SourceAccess.GetAsync(context, store, sourceId);
        var record = await GetRecordAsync(context, store, source, logId);
        var input = (await body.ReadAsync<IngestReplayIn>(context.Request, optional: true)).Value;
        if (input.EndpointId is { } endpointId)
        {
            AppAccess.RequireIdOrUid("endpoint_id", endpointId);
        }
        var result = await ingest.ReplayAsync(source, record, input.EndpointId, context.RequestAborted);
        return result.Outcome switch
        {
            IngestReplayOutcome.Queued => TypedResults.Accepted((string?)null, new IngestReplayOut(result.MessageId!, result.EndpointIds!)),
            IngestReplayOutcome.NotReplayable => throw ApiException.Conflict(
                $"This request was {IngestLogOut.OutcomeName(record.Outcome)} and became no message, so there is nothing to replay.", "not_replayable"),
            IngestReplayOutcome.MessageGone => throw ApiException.NotFound("The request's message no longer exists."),
            IngestReplayOutcome.PayloadUnavailable => throw ApiException.BadRequest(
                "The message's payload was expunged or has expired, so it cannot be replayed.", "payload_unavailable"),
            IngestReplayOutcome.EndpointNotFound => throw ApiException.NotFound("Endpoint not found"),
            _ => throw new UnreachableException($"Replay outcome {result.Outcome} has no answer."),
        };
    }

    private static async Task<IngestRequestRecord> GetRecordAsync(HttpContext context, ISourceStore store, Source source, string logId)
    {
        AppAccess.RequireIdOrUid("log_id", logId);
        return await store.GetIngestRequestAsync(source.Id, logId, context.RequestAborted)
            ?? throw ApiException.NotFound("Log entry not found");
    }

    private static async Task<IngestLogOut> ToOutAsync(HttpContext context, IDeliveryStore deliveries, Source source, IngestRequestRecord record)
    {
        var utf8 = System.Text.Unicode.Utf8.IsValid(record.Body);
        IngestForwardingOut? forwarding = null;
        if (record.MessageId is { } messageId)
        {
            var page = await deliveries.ListMessageDestinationsAsync(source.AppId, messageId, new ListQuery { Limit = ListQuery.MaxLimit }, context.RequestAborted);
            var list = page.Data
                .Select(d => new IngestDeliveryOut(d.Endpoint.Id, StatusName(d.Delivery.Status), d.Delivery.AttemptCount, d.Delivery.LastAttemptAt, d.Delivery.NextAttemptAt))
                .ToList();
            forwarding = new IngestForwardingOut(Summary(page.Data.Select(d => d.Delivery.Status).ToList()), list);
        }
        return new IngestLogOut
        {
            Id = record.Id,
            SourceId = record.SourceId,
            StatusCode = record.StatusCode,
            ErrorText = record.ErrorText,
            Headers = HeaderMap(record.Headers),
            Payload = utf8 ? Encoding.UTF8.GetString(record.Body) : Convert.ToBase64String(record.Body),
            PayloadEncoding = utf8 ? "utf-8" : "base64",
            // A log entry never changes after it is written.
            CreatedAt = record.ReceivedAt,
            UpdatedAt = record.ReceivedAt,
            Outcome = IngestLogOut.OutcomeName(record.Outcome),
            DedupeKey = record.DedupeKey,
            MessageId = record.MessageId,
            Forwarding = forwarding,
        };
    }

    private static Dictionary<string, string> HeaderMap(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            map[name] = map.TryGetValue(name, out var existing) ? existing + ", " + value : value;
        }
        return map;
    }

    private static string StatusName(MessageStatus status) => status switch
    {
        MessageStatus.Success => "delivered",
        MessageStatus.Pending => "pending",
        MessageStatus.Fail => "failed",
        MessageStatus.Sending => "sending",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>The worst state wins: one failed endpoint makes the request failed, one waiting makes it pending.</summary>
    private static string Summary(List<MessageStatus> statuses) =>
        statuses.Count == 0 ? "no_endpoints"
        : statuses.Contains(MessageStatus.Fail) ? "failed"
        : statuses.Contains(MessageStatus.Sending) ? "sending"
        : statuses.Contains(MessageStatus.Pending) ? "pending"
        : "delivered";
}
