using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Operational;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.OpenApi;
using Hookline.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using EndpointModel = Hookline.Core.Model.Endpoint;

namespace Hookline.Server.Endpoints;

/// <summary>Which application an endpoint route works on.</summary>
internal enum EndpointScopeKind
{
    /// <summary>The application in <c>{app_id}</c>.</summary>
    Application = 0,

    /// <summary>The hidden operational-webhook application (admin only).</summary>
    Operational = 1,

    /// <summary>The hidden application of the ingest source in <c>{source_id}</c>.</summary>
    Source = 2,
}

/// <summary>Which application an endpoint route works on: the one in <c>{app_id}</c>, the hidden operational-webhook application, or an ingest source's.</summary>
internal sealed record EndpointScope(EndpointScopeKind Kind);

/// <summary>
/// Endpoint management. The same handlers serve <c>/api/v1/app/{app_id}/endpoint</c>,
/// <c>/api/v1/operational-webhook/endpoint</c> (whose endpoints belong to the hidden operational
/// application) and <c>/ingest/api/v1/source/{source_id}/endpoint</c> (a source's endpoints, in the
/// source's hidden application); the route group's <see cref="EndpointScope"/> says which.
/// </summary>
internal static partial class EndpointApi
{
    public static RouteGroupBuilder MapEndpointApi(this RouteGroupBuilder api)
    {
        var app = api.MapGroup("/app/{app_id}/endpoint").WithTags("Endpoint").WithMetadata(new EndpointScope(EndpointScopeKind.Application));
        MapCommon(app, "v1.endpoint");
        app.MapGet("/{endpoint_id}/stats", GetStatsAsync).WithName("v1.endpoint.get-stats").WithSummary("Endpoint Stats");
        app.MapPost("/{endpoint_id}/send-example", SendExampleAsync).WithName("v1.endpoint.send-example").WithSummary("Send Event Type Example Message")
            .AcceptsJson<EventExampleIn>();
        app.MapPost("/{endpoint_id}/recover", RecoverAsync).WithName("v1.endpoint.recover").WithSummary("Recover Failed Webhooks")
            .AcceptsJson<RecoverIn>();
        app.MapPost("/{endpoint_id}/replay-missing", ReplayMissingAsync).WithName("v1.endpoint.replay-missing").WithSummary("Replay Missing Webhooks")
            .AcceptsJson<ReplayIn>();

        var operational = api.MapGroup("/operational-webhook/endpoint").WithTags("Webhook Endpoint").WithMetadata(new EndpointScope(EndpointScopeKind.Operational));
        MapCommon(operational, "v1.operational-webhook-endpoint");
        return api;
    }

    /// <summary>
    /// A source's endpoints under the ingest API (<c>/ingest/api/v1</c>): Svix's ingest endpoint routes,
    /// plus what the application endpoint routes also offer (PATCH, header PATCH, stats, recover).
    /// </summary>
    public static RouteGroupBuilder MapSourceEndpointApi(this RouteGroupBuilder ingestApi)
    {
        var source = ingestApi.MapGroup("/source/{source_id}/endpoint").WithTags("Ingest Endpoints").WithMetadata(new EndpointScope(EndpointScopeKind.Source));
        MapCommon(source, "v1.ingest.endpoint");
        source.MapGet("/{endpoint_id}/stats", GetStatsAsync).WithName("v1.ingest.endpoint.get-stats").WithSummary("Source Endpoint Stats");
        source.MapPost("/{endpoint_id}/recover", RecoverAsync).WithName("v1.ingest.endpoint.recover").WithSummary("Recover Failed Forwards")
            .AcceptsJson<RecoverIn>();
        return ingestApi;
    }

    private static void MapCommon(RouteGroupBuilder group, string name)
    {
        group.MapGet("/", ListAsync).WithName($"{name}.list").WithSummary("List Endpoints");
        group.MapPost("/", CreateAsync).WithName($"{name}.create").WithSummary("Create Endpoint").AcceptsJson<EndpointIn>();
        group.MapGet("/{endpoint_id}", GetAsync).WithName($"{name}.get").WithSummary("Get Endpoint");
        group.MapPut("/{endpoint_id}", UpdateAsync).WithName($"{name}.update").WithSummary("Update Endpoint (creates it when missing)").AcceptsJson<EndpointIn>();
        group.MapPatch("/{endpoint_id}", PatchAsync).WithName($"{name}.patch").WithSummary("Patch Endpoint").AcceptsJson<EndpointPatch>();
        group.MapDelete("/{endpoint_id}", DeleteAsync).WithName($"{name}.delete").WithSummary("Delete Endpoint");
        group.MapGet("/{endpoint_id}/secret", GetSecretAsync).WithName($"{name}.get-secret").WithSummary("Get Endpoint Secret");
        group.MapPost("/{endpoint_id}/secret/rotate", RotateSecretAsync).WithName($"{name}.rotate-secret").WithSummary("Rotate Endpoint Secret")
            .AcceptsJson<EndpointSecretRotateIn>();
        group.MapGet("/{endpoint_id}/headers", GetHeadersAsync).WithName($"{name}.get-headers").WithSummary("Get Endpoint Headers");
        group.MapPut("/{endpoint_id}/headers", UpdateHeadersAsync).WithName($"{name}.update-headers").WithSummary("Update Endpoint Headers")
            .AcceptsJson<EndpointHeadersIn>();
        group.MapPatch("/{endpoint_id}/headers", PatchHeadersAsync).WithName($"{name}.patch-headers").WithSummary("Patch Endpoint Headers")
            .AcceptsJson<EndpointHeadersIn>();
    }

    private static async Task<Ok<ListResponse<EndpointOut>>> ListAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, int? limit, string? iterator, string? order)
    {
        var app = await ResolveAppAsync(context, store, operational);
        var page = await store.ListEndpointsAsync(app.Id, Lists.Query(limit, iterator, order, descendingByDefault: false, HooklineIds.Endpoint), context.RequestAborted);
        return TypedResults.Ok(Lists.Map(page, EndpointOut.From));
    }

    private static async Task<Created<EndpointOut>> CreateAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, EndpointUrlCheck urls,
        TimeProvider time, ILogger<EndpointScope> logger)
    {
        var app = await ResolveAppAsync(context, store, operational);
        var input = (await body.ReadAsync<EndpointIn>(context.Request)).Value;
        var secret = await ValidateAsync(context, input, app, urls, requireUrl: true);
        var created = await CreateEndpointAsync(context, store, time, app, input, input.Uid, secret);
        await PublishAsync(operational, logger, app, OperationalWebhooks.EndpointCreated, created);
        return TypedResults.Created($"{context.Request.Path.Value?.TrimEnd('/')}/{created.Id}", EndpointOut.From(created));
    }

    private static async Task<Ok<EndpointOut>> GetAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (_, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        return TypedResults.Ok(EndpointOut.From(endpoint));
    }

    private static async Task<Results<Ok<EndpointOut>, Created<EndpointOut>>> UpdateAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, EndpointUrlCheck urls,
        TimeProvider time, ILogger<EndpointScope> logger, [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var app = await ResolveAppAsync(context, store, operational);
        AppAccess.RequireIdOrUid("endpoint_id", endpointId);
        var input = (await body.ReadAsync<EndpointIn>(context.Request)).Value;
        var secret = await ValidateAsync(context, input, app, urls, requireUrl: true);
        var existing = await store.GetEndpointAsync(app.Id, endpointId, context.RequestAborted);
        if (existing is null)
        {
            // PUT creates a missing endpoint, named by the path when that is a uid.
            if (HooklineIds.HasPrefix(endpointId, HooklineIds.Endpoint))
            {
                throw ApiException.NotFound("Endpoint not found");
            }
            if (input.Uid is not null && input.Uid != endpointId)
            {
                throw ApiException.Validation(["body", "uid"], "The uid in the body must match the one in the path.", "value_error.uid_mismatch");
            }
            var created = await CreateEndpointAsync(context, store, time, app, input, endpointId, secret);
            await PublishAsync(operational, logger, app, OperationalWebhooks.EndpointCreated, created);
            return TypedResults.Created($"{context.Request.Path.Value}", EndpointOut.From(created));
        }
        var updated = existing with
        {
            Url = input.Url!.Trim(),
            Description = input.Description ?? "",
            EventTypes = EndpointRules.List(input.Types),
            Channels = EndpointRules.List(input.Channels),
            ThrottleRate = input.Rate,
            Disabled = input.Disabled ?? false,
            Metadata = Applications.MetadataMaps.From(input.Metadata),
            // Addressed by its uid, an endpoint keeps it unless the body names another: a PUT must not
            // take away the name it was reached by (Svix SDKs' upsert sends no uid).
            Uid = input.Uid ?? (existing.Uid == endpointId ? existing.Uid : null),
            Headers = input.Headers is null ? existing.Headers : EndpointHeaderRules.Replace(input.Headers),
            Ordered = input.Ordered ?? false,
            MaxConcurrency = input.MaxConcurrency,
            UpdatedAt = time.GetUtcNow(),
        };
        await SaveAsync(context, store, updated);
        await PublishAsync(operational, logger, app, OperationalWebhooks.EndpointUpdated, updated);
        return TypedResults.Ok(EndpointOut.From(updated));
    }

    private static async Task<Ok<EndpointOut>> PatchAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, EndpointUrlCheck urls,
        TimeProvider time, ILogger<EndpointScope> logger, [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (app, existing) = await ResolveAsync(context, store, operational, endpointId);
        var patch = await body.ReadAsync<EndpointPatch>(context.Request);
        var p = patch.Value;
        var asIn = new EndpointIn
        {
            Url = p.Url,
            EventTypes = p.EventTypes is { Count: 0 } ? null : p.EventTypes,
            FilterTypes = p.FilterTypes is { Count: 0 } ? null : p.FilterTypes,
            Channels = p.Channels is { Count: 0 } ? null : p.Channels,
            ThrottleRate = p.ThrottleRate,
            RateLimit = p.RateLimit,
            Uid = p.Uid,
            Metadata = p.Metadata,
            Secret = p.Secret,
            MaxConcurrency = p.MaxConcurrency,
        };
        if (patch.Has("url") && p.Url is null)
        {
            throw ApiException.Validation(["body", "url"], "none is not an allowed value", "type_error.none.not_allowed");
        }
        var secret = await ValidateAsync(context, asIn, app, urls, requireUrl: false);
        var now = time.GetUtcNow();
        var updated = existing with
        {
            Url = p.Url?.Trim() ?? existing.Url,
            Description = patch.Has("description") ? p.Description ?? "" : existing.Description,
            EventTypes = patch.Has("filterTypes") ? EndpointRules.List(p.FilterTypes) : patch.Has("eventTypes") ? EndpointRules.List(p.EventTypes) : existing.EventTypes,
            Channels = patch.Has("channels") ? EndpointRules.List(p.Channels) : existing.Channels,
            ThrottleRate = patch.Has("rateLimit") ? p.RateLimit : patch.Has("throttleRate") ? p.ThrottleRate : existing.ThrottleRate,
            Disabled = patch.Has("disabled") ? p.Disabled ?? false : existing.Disabled,
            Metadata = patch.Has("metadata") ? Applications.MetadataMaps.From(p.Metadata) : existing.Metadata,
            Uid = patch.Has("uid") ? p.Uid : existing.Uid,
            Ordered = patch.Has("ordered") ? p.Ordered ?? false : existing.Ordered,
            MaxConcurrency = patch.Has("maxConcurrency") ? p.MaxConcurrency : existing.MaxConcurrency,
            // A secret set by PATCH replaces the current one at once (rotate keeps the old one signing for a while).
            Secrets = secret is not null ? [new EndpointSecret(secret, null)] : existing.Secrets,
            UpdatedAt = now,
        };
        await SaveAsync(context, store, updated);
        await PublishAsync(operational, logger, app, OperationalWebhooks.EndpointUpdated, updated);
        return TypedResults.Ok(EndpointOut.From(updated));
    }

    private static async Task<NoContent> DeleteAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ILogger<EndpointScope> logger,
        [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (app, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        if (!await store.DeleteEndpointAsync(app.Id, endpoint.Id, context.RequestAborted))
        {
            throw ApiException.NotFound("Endpoint not found");
        }
        await PublishAsync(operational, logger, app, OperationalWebhooks.EndpointDeleted, endpoint);
        return TypedResults.NoContent();
    }

    internal static async Task<Application> ResolveAppAsync(HttpContext context, IApplicationStore store, OperationalWebhooks operational)
    {
        var scope = context.GetEndpoint()?.Metadata.GetMetadata<EndpointScope>() ?? new EndpointScope(EndpointScopeKind.Application);
        if (scope.Kind == EndpointScopeKind.Operational)
        {
            ApiCaller.Get(context).RequireAdmin();
            return await operational.GetApplicationAsync(context.RequestAborted);
        }
        if (scope.Kind == EndpointScopeKind.Source)
        {
            var sources = context.RequestServices.GetRequiredService<ISourceStore>();
            var source = await Ingest.SourceAccess.GetAsync(context, sources, context.Request.RouteValues["source_id"] as string ?? "");
            return await store.GetApplicationAsync(source.AppId, context.RequestAborted)
                ?? throw ApiException.NotFound("Source not found");
        }
        var appId = context.Request.RouteValues["app_id"] as string ?? "";
        return await AppAccess.GetAsync(context, store, appId);
    }

    internal static async Task<(Application App, EndpointModel Endpoint)> ResolveAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, string endpointId)
    {
        var app = await ResolveAppAsync(context, store, operational);
        return (app, await GetEndpointAsync(context, store, app, endpointId));
    }

    internal static async Task<EndpointModel> GetEndpointAsync(HttpContext context, IEndpointStore store, Application app, string endpointId)
    {
        AppAccess.RequireIdOrUid("endpoint_id", endpointId);
        return await store.GetEndpointAsync(app.Id, endpointId, context.RequestAborted)
            ?? throw ApiException.NotFound("Endpoint not found");
    }

    /// <summary>Validates an endpoint body; returns the secret in stored form when one was given.</summary>
    private static async Task<string?> ValidateAsync(HttpContext context, EndpointIn input, Application app, EndpointUrlCheck urls, bool requireUrl)
    {
        var v = new Validation();
        EndpointRules.ValidateCommon(v, input, requireUrl);
        string? secret = null;
        if (input.Secret is not null)
        {
            if (EndpointSecrets.TryNormalize(input.Secret, out var normalized, out var error))
            {
                secret = normalized;
            }
            else
            {
                v.Add(["body", "secret"], error, "value_error.secret");
            }
        }
        if (app.Kind == ApplicationKind.Operational && input.Types is { } types)
        {
            foreach (var type in types.Where(t => t is not null && !OperationalWebhooks.EventTypes.Contains(t)))
            {
                v.Add(["body", input.FilterTypes is not null ? "filterTypes" : "eventTypes"],
                    $"'{type}' is not an operational webhook event type; use one of: {string.Join(", ", OperationalWebhooks.EventTypes)}.");
            }
        }
        if (input.Url is { Length: > 0 and <= 65536 } url && await urls.CheckAsync(url, context.RequestAborted) is { } urlError)
        {
            v.Add(["body", "url"], urlError, "value_error.url");
        }
        v.ThrowIfAny();
        return secret;
    }

    private static async Task<EndpointModel> CreateEndpointAsync(
        HttpContext context, IEndpointStore store, TimeProvider time, Application app, EndpointIn input, string? uid, string? secret)
    {
        var now = time.GetUtcNow();
        var endpoint = new EndpointModel
        {
            Id = HooklineIds.New(HooklineIds.Endpoint, now),
            AppId = app.Id,
            Uid = uid,
            Url = input.Url!.Trim(),
            Description = input.Description ?? "",
            EventTypes = EndpointRules.List(input.Types),
            Channels = EndpointRules.List(input.Channels),
            ThrottleRate = input.Rate,
            Disabled = input.Disabled ?? false,
            Metadata = Applications.MetadataMaps.From(input.Metadata),
            Headers = input.Headers is null ? new Dictionary<string, string>() : EndpointHeaderRules.Replace(input.Headers),
            Secrets = [new EndpointSecret(secret ?? EndpointSecrets.Generate(), null)],
            Ordered = input.Ordered ?? false,
            MaxConcurrency = input.MaxConcurrency,
            CreatedAt = now,
            UpdatedAt = now,
        };
        try
        {
            await store.CreateEndpointAsync(endpoint, context.RequestAborted);
        }
        catch (StoreConflictException)
        {
            throw UidTaken();
        }
        return endpoint;
    }

    private static async Task SaveAsync(HttpContext context, IEndpointStore store, EndpointModel endpoint)
    {
        bool found;
        try
        {
            found = await store.UpdateEndpointAsync(endpoint, context.RequestAborted);
        }
        catch (StoreConflictException)
        {
            throw UidTaken();
        }
        if (!found)
        {
            throw ApiException.NotFound("Endpoint not found");
        }
    }

    private static ApiException UidTaken() => ApiException.Conflict("An endpoint with this uid already exists in this application.");

    /// <summary>Tells the admin's operational endpoints; a failure to publish never fails the API call that already succeeded.</summary>
    private static async Task PublishAsync(OperationalWebhooks operational, ILogger logger, Application app, string type, EndpointModel endpoint)
    {
        if (app.Kind != ApplicationKind.Normal)
        {
            return;
        }
        try
        {
            await operational.PublishAsync(type, new EndpointEventData(app.Id, app.Uid, endpoint.Id, endpoint.Uid), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.PublishFailed(logger, type, endpoint.Id, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Could not publish operational webhook {Type} for endpoint {EndpointId}")]
        public static partial void PublishFailed(ILogger logger, string type, string endpointId, Exception exception);
    }
}
