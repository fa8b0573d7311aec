using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.OpenApi;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.EventTypes;

/// <summary>Event types are global (not per application). Application tokens may read them; only the admin changes them.</summary>
internal static class EventTypeApi
{
    public static RouteGroupBuilder MapEventTypeApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/event-type").WithTags("Event Type");
        group.MapGet("/", ListAsync).WithName("v1.event-type.list").WithSummary("List Event Types");
        group.MapPost("/", CreateAsync).WithName("v1.event-type.create").WithSummary("Create Event Type").AcceptsJson<EventTypeIn>();
        group.MapGet("/{event_type_name}", GetAsync).WithName("v1.event-type.get").WithSummary("Get Event Type");
        group.MapPut("/{event_type_name}", UpdateAsync).WithName("v1.event-type.update").WithSummary("Update Event Type (creates it when missing)")
            .AcceptsJson<EventTypeIn>();
        group.MapPatch("/{event_type_name}", PatchAsync).WithName("v1.event-type.patch").WithSummary("Patch Event Type").AcceptsJson<EventTypePatch>();
        group.MapDelete("/{event_type_name}", DeleteAsync).WithName("v1.event-type.delete").WithSummary("Delete (archive) Event Type");
        return api;
    }

    private static async Task<Ok<ListResponse<EventTypeOut>>> ListAsync(
        HttpContext context, IEventTypeStore store, int? limit, string? iterator, string? order,
        [FromQuery(Name = "include_archived")] bool? includeArchived, [FromQuery(Name = "with_content")] bool? withContent)
    {
        ApiCaller.Get(context).RequireApplicationScope();
        var page = await store.ListEventTypesAsync(Lists.Query(limit, iterator, order, descendingByDefault: false, keyPrefix: null), includeArchived ?? false, context.RequestAborted);
        return TypedResults.Ok(Lists.Map(page, e => EventTypeOut.From(e, withContent ?? false)));
    }

    private static async Task<Created<EventTypeOut>> CreateAsync(HttpContext context, IEventTypeStore store, ApiBody body, TimeProvider time)
    {
        ApiCaller.Get(context).RequireAdmin();
        var input = (await body.ReadAsync<EventTypeIn>(context.Request)).Value;
        var v = new Validation();
        input.Validate(v, requireName: true);
        v.ThrowIfAny();

        var now = time.GetUtcNow();
        var eventType = new EventType
        {
            Name = input.Name!,
            Description = input.Description!,
            SchemasJson = EventTypeRules.SchemasText(input.Schemas),
            Archived = input.Archived ?? false,
            Deprecated = input.Deprecated ?? false,
            FeatureFlag = input.FeatureFlag,
            CreatedAt = now,
            UpdatedAt = now,
        };
        try
        {
            await store.CreateEventTypeAsync(eventType, context.RequestAborted);
        }
        catch (StoreConflictException)
        {
            // Creating an archived event type again brings it back, as Svix does.
            var existing = await store.GetEventTypeAsync(eventType.Name, context.RequestAborted);
            if (existing is not { Archived: true })
            {
                throw ApiException.Conflict("An event type with this name already exists.");
            }
            eventType = eventType with { CreatedAt = existing.CreatedAt };
            await store.UpdateEventTypeAsync(eventType, context.RequestAborted);
        }
        return TypedResults.Created($"/api/v1/event-type/{eventType.Name}", EventTypeOut.From(eventType));
    }

    private static async Task<Ok<EventTypeOut>> GetAsync(HttpContext context, IEventTypeStore store, [FromRoute(Name = "event_type_name")] string name)
    {
        ApiCaller.Get(context).RequireApplicationScope();
        return TypedResults.Ok(EventTypeOut.From(await FindAsync(context, store, name)));
    }

    private static async Task<Results<Ok<EventTypeOut>, Created<EventTypeOut>>> UpdateAsync(
        HttpContext context, IEventTypeStore store, ApiBody body, TimeProvider time, [FromRoute(Name = "event_type_name")] string name)
    {
        ApiCaller.Get(context).RequireAdmin();
        AppAccess.RequireIdOrUid("event_type_name", name);
        var input = (await body.ReadAsync<EventTypeIn>(context.Request)).Value;
        var v = new Validation();
        input.Validate(v, requireName: false);
        v.ThrowIfAny();

        var now = time.GetUtcNow();
        var existing = await store.GetEventTypeAsync(name, context.RequestAborted);
        var eventType = new EventType
        {
            Name = name,
            Description = input.Description!,
            SchemasJson = EventTypeRules.SchemasText(input.Schemas),
            Archived = input.Archived ?? false,
            Deprecated = input.Deprecated ?? false,
            FeatureFlag = input.FeatureFlag,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
        };
        if (existing is null)
        {
            try
            {
                await store.CreateEventTypeAsync(eventType, context.RequestAborted);
            }
            catch (StoreConflictException)
            {
                throw ApiException.Conflict("An event type with this name was created concurrently; retry.");
            }
            return TypedResults.Created($"/api/v1/event-type/{name}", EventTypeOut.From(eventType));
        }
        await store.UpdateEventTypeAsync(eventType, context.RequestAborted);
        return TypedResults.Ok(EventTypeOut.From(eventType));
    }

    private static async Task<Ok<EventTypeOut>> PatchAsync(
        HttpContext context, IEventTypeStore store, ApiBody body, TimeProvider time, [FromRoute(Name = "event_type_name")] string name)
    {
        ApiCaller.Get(context).RequireAdmin();
        var existing = await FindAsync(context, store, name);
        var patch = await body.ReadAsync<EventTypePatch>(context.Request);
        var p = patch.Value;
        var v = new Validation();
        v.Name(["body", "featureFlag"], p.FeatureFlag);
        EventTypeRules.ValidateSchemas(v, p.Schemas);
        v.ThrowIfAny();
        var updated = existing with
        {
            Description = patch.Has("description") ? p.Description ?? "" : existing.Description,
            SchemasJson = patch.Has("schemas") ? EventTypeRules.SchemasText(p.Schemas) : existing.SchemasJson,
            Archived = patch.Has("archived") ? p.Archived ?? false : existing.Archived,
            Deprecated = patch.Has("deprecated") ? p.Deprecated ?? false : existing.Deprecated,
            FeatureFlag = patch.Has("featureFlag") ? p.FeatureFlag : existing.FeatureFlag,
            UpdatedAt = time.GetUtcNow(),
        };
        if (!await store.UpdateEventTypeAsync(updated, context.RequestAborted))
        {
            throw ApiException.NotFound("Event type not found");
        }
        return TypedResults.Ok(EventTypeOut.From(updated));
    }

    /// <summary>Archives the event type (it stays readable with <c>include_archived</c>); <c>expunge=true</c> deletes it.</summary>
    private static async Task<NoContent> DeleteAsync(
        HttpContext context, IEventTypeStore store, TimeProvider time, [FromRoute(Name = "event_type_name")] string name, bool? expunge)
    {
        ApiCaller.Get(context).RequireAdmin();
        var existing = await FindAsync(context, store, name);
        var done = expunge == true
            ? await store.DeleteEventTypeAsync(existing.Name, context.RequestAborted)
            : await store.UpdateEventTypeAsync(existing with { Archived = true, UpdatedAt = time.GetUtcNow() }, context.RequestAborted);
        if (!done)
        {
            throw ApiException.NotFound("Event type not found");
        }
        return TypedResults.NoContent();
    }

    private static async Task<EventType> FindAsync(HttpContext context, IEventTypeStore store, string name)
    {
        AppAccess.RequireIdOrUid("event_type_name", name);
        return await store.GetEventTypeAsync(name, context.RequestAborted) ?? throw ApiException.NotFound("Event type not found");
    }
}
