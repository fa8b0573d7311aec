using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>The inbox's admin endpoints (<c>MapWebhookInbox</c>), over <see cref="IWebhookInbox"/>.</summary>
internal static class InboxAdminApi
{
    public static RouteGroupBuilder Map(RouteGroupBuilder group)
    {
        group.MapGet("/", ListAsync);
        group.MapGet("/counts", async (IWebhookInbox inbox, string? webhook, CancellationToken ct) => TypedResults.Ok(await inbox.CountAsync(webhook, ct)));
        group.MapGet("/{id:long}", GetAsync);
        group.MapPost("/{id:long}/requeue", RequeueAsync);
        group.MapPost("/requeue", async (IWebhookInbox inbox, string? webhook, CancellationToken ct) =>
            TypedResults.Ok(new RequeueResponse(await inbox.RequeueDeadLettersAsync(webhook, ct))));
        return group;
    }

    private static async Task<Results<Ok<InboxPage>, BadRequest<ErrorResponse>>> ListAsync(
        IWebhookInbox inbox, string? status, string? webhook, int? limit, string? iterator, CancellationToken ct)
    {
        WebhookInboxStatus? parsed = null;
        if (status is not null)
        {
            if (!Enum.TryParse<WebhookInboxStatus>(status, ignoreCase: true, out var s) || !Enum.IsDefined(s))
            {
                return TypedResults.BadRequest(new ErrorResponse("invalid_status", "status must be one of pending, running, done, dead."));
            }
            parsed = s;
        }
        long? before = null;
        if (iterator is not null)
        {
            if (!long.TryParse(iterator, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            {
                return TypedResults.BadRequest(new ErrorResponse("invalid_iterator", "iterator must be the value a previous page returned."));
            }
            before = b;
        }
        var take = Math.Clamp(limit ?? 50, 1, 500);
        var entries = await inbox.ListAsync(parsed, webhook, take, before, ct);
        var done = entries.Count < take;
        return TypedResults.Ok(new InboxPage(entries, done ? null : entries[^1].Id.ToString(CultureInfo.InvariantCulture), done));
    }

    private static async Task<Results<Ok<WebhookInboxEntry>, NotFound<ErrorResponse>>> GetAsync(IWebhookInbox inbox, long id, CancellationToken ct) =>
        await inbox.GetAsync(id, ct) is { } entry
            ? TypedResults.Ok(entry)
            : TypedResults.NotFound(new ErrorResponse("not_found", $"There is no inbox event {id}."));

    private static async Task<Results<Ok<WebhookInboxEntry>, NotFound<ErrorResponse>, Conflict<ErrorResponse>>> RequeueAsync(IWebhookInbox inbox, long id, CancellationToken ct)
    {
        if (await inbox.RequeueAsync(id, ct))
        {
            return TypedResults.Ok((await inbox.GetAsync(id, ct))!);
        }
        return await inbox.GetAsync(id, ct) is null
            ? TypedResults.NotFound(new ErrorResponse("not_found", $"There is no inbox event {id}."))
            : TypedResults.Conflict(new ErrorResponse("not_requeueable", $"Inbox event {id} is pending or running already."));
    }
}
