using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.OpenApi;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Applications;

internal static class ApplicationApi
{
    public static RouteGroupBuilder MapApplicationApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/app").WithTags("Application");
        group.MapGet("/", ListAsync).WithName("v1.application.list").WithSummary("List Applications");
        group.MapPost("/", CreateAsync).WithName("v1.application.create").WithSummary("Create Application")
            .AcceptsJson<ApplicationIn>();
        group.MapGet("/{app_id}", GetAsync).WithName("v1.application.get").WithSummary("Get Application");
        group.MapPut("/{app_id}", UpdateAsync).WithName("v1.application.update").WithSummary("Update Application (creates it when missing)")
            .AcceptsJson<ApplicationIn>();
        group.MapPatch("/{app_id}", PatchAsync).WithName("v1.application.patch").WithSummary("Patch Application")
            .AcceptsJson<ApplicationPatch>();
        group.MapDelete("/{app_id}", DeleteAsync).WithName("v1.application.delete").WithSummary("Delete Application");
        return api;
    }

    private static async Task<Ok<ListResponse<ApplicationOut>>> ListAsync(
        HttpContext context, IApplicationStore store, int? limit, string? iterator, string? order, string? search)
    {
        ApiCaller.Get(context).RequireAdmin();
        var query = Lists.Query(limit, iterator, order, descendingByDefault: false, HooklineIds.Application);
        if (search is { Length: > 256 })
        {
            throw ApiException.Validation(["query", "search"], "ensure this value has at most 256 characters", "value_error.any_str.max_length");
        }
        var page = await store.ListApplicationsAsync(query, string.IsNullOrWhiteSpace(search) ? null : search.Trim(), context.RequestAborted);
        return TypedResults.Ok(Lists.Map(page, ApplicationOut.From));
    }

    private static async Task<Results<Created<ApplicationOut>, Ok<ApplicationOut>>> CreateAsync(
        HttpContext context, IApplicationStore store, ApiBody body, TimeProvider time,
        [FromQuery(Name = "get_if_exists")] bool? getIfExists)
    {
        ApiCaller.Get(context).RequireAdmin();
        var input = (await body.ReadAsync<ApplicationIn>(context.Request)).Value;
        var validation = new Validation();
        input.Validate(validation, ["body"]);
        validation.ThrowIfAny();

        if (getIfExists == true && input.Uid is { } uid
            && await store.GetApplicationAsync(uid, context.RequestAborted) is { Kind: ApplicationKind.Normal } existing)
        {
            return TypedResults.Ok(ApplicationOut.From(existing));
        }
        try
        {
            var created = await CreateApplicationAsync(store, time, input, input.Uid, context.RequestAborted);
            return TypedResults.Created($"/api/v1/app/{created.Id}", ApplicationOut.From(created));
        }
        catch (ApiException ex) when (ex.StatusCode == StatusCodes.Status409Conflict && getIfExists == true && input.Uid is not null)
        {
            // Lost a race with another create of the same uid: that one is the application.
            if (await store.GetApplicationAsync(input.Uid, context.RequestAborted) is { Kind: ApplicationKind.Normal } winner)
            {
                return TypedResults.Ok(ApplicationOut.From(winner));
            }
            throw UidTaken();
        }
    }

    private static async Task<Ok<ApplicationOut>> GetAsync(HttpContext context, IApplicationStore store, [FromRoute(Name = "app_id")] string appId)
    {
        var app = await AppAccess.GetAsync(context, store, appId);
        return TypedResults.Ok(ApplicationOut.From(app));
    }

    private static async Task<Results<Ok<ApplicationOut>, Created<ApplicationOut>>> UpdateAsync(
        HttpContext context, IApplicationStore store, ApiBody body, TimeProvider time, [FromRoute(Name = "app_id")] string appId)
    {
        ApiCaller.Get(context).RequireAdmin();
        AppAccess.RequireIdOrUid("app_id", appId);
        var input = (await body.ReadAsync<ApplicationIn>(context.Request)).Value;
        var validation = new Validation();
        input.Validate(validation, ["body"]);
        validation.ThrowIfAny();

        var app = await store.GetApplicationAsync(appId, context.RequestAborted);
        if (app is null)
        {
            // PUT creates a missing application, named by the path when that is a uid.
            if (HooklineIds.HasPrefix(appId, HooklineIds.Application))
            {
                throw ApiException.NotFound("Application not found");
            }
            if (input.Uid is not null && input.Uid != appId)
            {
                throw ApiException.Validation(["body", "uid"], "The uid in the body must match the one in the path.", "value_error.uid_mismatch");
            }
            var created = await CreateApplicationAsync(store, time, input, appId, context.RequestAborted);
            return TypedResults.Created($"/api/v1/app/{created.Id}", ApplicationOut.From(created));
        }
        if (app.Kind != ApplicationKind.Normal)
        {
            throw ApiException.NotFound("Application not found");
        }
        var updated = app with
        {
            Name = input.Name!,
            // Addressed by its uid, the application keeps it unless the body names another.
            Uid = input.Uid ?? (app.Uid == appId ? app.Uid : null),
            ThrottleRate = input.EffectiveThrottleRate,
            Metadata = MetadataMaps.From(input.Metadata),
            UpdatedAt = time.GetUtcNow(),
        };
        await SaveAsync(store, updated, context.RequestAborted);
        return TypedResults.Ok(ApplicationOut.From(updated));
    }

    private static async Task<Ok<ApplicationOut>> PatchAsync(
        HttpContext context, IApplicationStore store, ApiBody body, TimeProvider time, [FromRoute(Name = "app_id")] string appId)
    {
        var app = await AppAccess.GetAsync(context, store, appId, adminOnly: true);
        var patch = await body.ReadAsync<ApplicationPatch>(context.Request);
        var input = patch.Value;
        var validation = new Validation();
        if (patch.Has("name") && string.IsNullOrEmpty(input.Name))
        {
            validation.Add(["body", "name"], "ensure this value has at least 1 characters", "value_error.any_str.min_length");
        }
        validation.Uid(["body", "uid"], input.Uid, HooklineIds.Application);
        validation.Range(["body", "throttleRate"], input.ThrottleRate, 1, ushort.MaxValue);
        validation.Range(["body", "rateLimit"], input.RateLimit, 1, ushort.MaxValue);
        validation.Metadata(["body", "metadata"], input.Metadata);
        validation.ThrowIfAny();

        var updated = app with
        {
            Name = patch.Has("name") ? input.Name! : app.Name,
            Uid = patch.Has("uid") ? input.Uid : app.Uid,
            ThrottleRate = patch.Has("rateLimit") ? input.RateLimit : patch.Has("throttleRate") ? input.ThrottleRate : app.ThrottleRate,
            Metadata = patch.Has("metadata") ? MetadataMaps.From(input.Metadata) : app.Metadata,
            UpdatedAt = time.GetUtcNow(),
        };
        await SaveAsync(store, updated, context.RequestAborted);
        return TypedResults.Ok(ApplicationOut.From(updated));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext context, IApplicationStore store, [FromRoute(Name = "app_id")] string appId)
    {
        var app = await AppAccess.GetAsync(context, store, appId, adminOnly: true);
        if (!await store.DeleteApplicationAsync(app.Id, context.RequestAborted))
        {
            throw ApiException.NotFound("Application not found");
        }
        return TypedResults.NoContent();
    }

    /// <summary>Creates a normal application from validated input (also used by message creation and portal access).</summary>
    internal static async Task<Application> CreateApplicationAsync(IApplicationStore store, TimeProvider time, ApplicationIn input, string? uid, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var app = new Application
        {
            Id = HooklineIds.New(HooklineIds.Application, now),
            Uid = uid,
            Name = input.Name!,
            ThrottleRate = input.EffectiveThrottleRate,
            Metadata = MetadataMaps.From(input.Metadata),
            CreatedAt = now,
            UpdatedAt = now,
        };
        try
        {
            await store.CreateApplicationAsync(app, cancellationToken);
        }
        catch (StoreConflictException)
        {
            throw UidTaken();
        }
        return app;
    }

    private static async Task SaveAsync(IApplicationStore store, Application app, CancellationToken cancellationToken)
    {
        bool found;
        try
        {
            found = await store.UpdateApplicationAsync(app, cancellationToken);
        }
        catch (StoreConflictException)
        {
            throw UidTaken();
        }
        if (!found)
        {
            throw ApiException.NotFound("Application not found");
        }
    }

    internal static ApiException UidTaken() => ApiException.Conflict("An application with this uid already exists.");
}
