using System.Text.Json;
using Hookline.Core.Ids;
using Hookline.Core.Ingest;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Applications;
using Hookline.Server.Auth;
using Hookline.Server.Hosting;
using Hookline.Server.OpenApi;
using Hookline.Signatures;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Ingest;

/// <summary>
/// Svix Ingest sources (<c>/ingest/api/v1/source</c>): CRUD, token rotation and dashboard access.
/// Each source owns a hidden application (<see cref="ApplicationKind.Source"/>) that holds its
/// endpoints, so forwarding rides the outbound delivery engine unchanged.
/// </summary>
internal static class SourceApi
{
    /// <summary>How long a rotated-out ingest token keeps working: 48 hours, as Svix documents.</summary>
    public static readonly TimeSpan TokenGracePeriod = TimeSpan.FromHours(48);

    public const int MaxUidLength = 60;
    public const int MinNameLength = 2;
    public const int MaxNameLength = 256;
    public const long MinDashboardExpirySeconds = 3600;
    public const long MaxDashboardExpirySeconds = 604_800;

    /// <summary>Config keys whose values are secret and never shown in <see cref="IngestSourceOut.Config"/>.</summary>
    private static readonly HashSet<string> SecretKeys = new(StringComparer.OrdinalIgnoreCase) { "secret", "privateKey" };

    public static RouteGroupBuilder MapSourceApi(this RouteGroupBuilder ingestApi)
    {
        var group = ingestApi.MapGroup("/source").WithTags("Ingest Source");
        group.MapGet("/", ListAsync).WithName("v1.ingest.source.list").WithSummary("List Ingest Sources");
        group.MapPost("/", CreateAsync).WithName("v1.ingest.source.create").WithSummary("Create Ingest Source").AcceptsJson<IngestSourceIn>();
        group.MapGet("/{source_id}", GetAsync).WithName("v1.ingest.source.get").WithSummary("Get Ingest Source");
        group.MapPut("/{source_id}", UpsertAsync).WithName("v1.ingest.source.upsert").WithSummary("Update Ingest Source (creates it when missing)")
            .AcceptsJson<IngestSourceIn>();
        group.MapPatch("/{source_id}", PatchAsync).WithName("v1.ingest.source.patch").WithSummary("Patch Ingest Source").AcceptsJson<IngestSourcePatch>();
        group.MapDelete("/{source_id}", DeleteAsync).WithName("v1.ingest.source.delete").WithSummary("Delete Ingest Source");
        group.MapPost("/{source_id}/token/rotate", RotateTokenAsync).WithName("v1.ingest.source.rotate-token").WithSummary("Rotate Ingest Token");
        group.MapPost("/{source_id}/dashboard", DashboardAsync).WithName("v1.ingest.authentication.consumer-portal-access")
            .WithSummary("Get Consumer Portal Access").AcceptsJson<IngestSourceConsumerPortalAccessIn>();
        return ingestApi;
    }

    private static async Task<Ok<ListResponse<IngestSourceOut>>> ListAsync(
        HttpContext context, ISourceStore store, PublicUrl publicUrl, int? limit, string? iterator, string? order)
    {
        ApiCaller.Get(context).RequireAdmin();
        var page = await store.ListSourcesAsync(Lists.Query(limit, iterator, order, descendingByDefault: false, HooklineIds.Source), context.RequestAborted);
        var data = new List<IngestSourceOut>(page.Data.Count);
        foreach (var source in page.Data)
        {
            data.Add(await ToOutAsync(context, store, publicUrl, source));
        }
        return TypedResults.Ok(new ListResponse<IngestSourceOut>(data, page.Iterator, page.PrevIterator, page.Done));
    }

    private static async Task<Created<IngestSourceOut>> CreateAsync(
        HttpContext context, IHooklineStore store, ApiBody body, PublicUrl publicUrl, TimeProvider time)
    {
        ApiCaller.Get(context).RequireAdmin();
        var input = (await body.ReadAsync<IngestSourceIn>(context.Request)).Value;
        var (type, config) = Validate(input);
        var created = await CreateSourceAsync(store, time, input, input.Uid, type, config, context.RequestAborted);
        return TypedResults.Created($"/ingest/api/v1/source/{created.Id}", await ToOutAsync(context, store, publicUrl, created));
    }

    private static async Task<Ok<IngestSourceOut>> GetAsync(
        HttpContext context, ISourceStore store, PublicUrl publicUrl, [FromRoute(Name = "source_id")] string sourceId)
    {
        var source = await SourceAccess.GetAsync(context, store, sourceId);
        return TypedResults.Ok(await ToOutAsync(context, store, publicUrl, source));
    }

    private static async Task<Results<Ok<IngestSourceOut>, Created<IngestSourceOut>>> UpsertAsync(
        HttpContext context, IHooklineStore store, ApiBody body, PublicUrl publicUrl, TimeProvider time, [FromRoute(Name = "source_id")] string sourceId)
    {
        ApiCaller.Get(context).RequireAdmin();
        AppAccess.RequireIdOrUid("source_id", sourceId);
        var input = (await body.ReadAsync<IngestSourceIn>(context.Request)).Value;
        var (type, config) = Validate(input);
        var existing = await store.GetSourceAsync(sourceId, context.RequestAborted);
        if (existing is null)
        {
            // PUT creates a missing source, named by the path when that is a uid.
            if (HooklineIds.HasPrefix(sourceId, HooklineIds.Source))
            {
                throw ApiException.NotFound("Source not found");
            }
            if (input.Uid is not null && input.Uid != sourceId)
            {
                throw ApiException.Validation(["body", "uid"], "The uid in the body must match the one in the path.", "value_error.uid_mismatch");
            }
            var created = await CreateSourceAsync(store, time, input, sourceId, type, config, context.RequestAborted);
            return TypedResults.Created($"/ingest/api/v1/source/{created.Id}", await ToOutAsync(context, store, publicUrl, created));
        }
        var updated = existing with
        {
            Name = input.Name!,
            // Addressed by its uid, the source keeps it unless the body names another (Svix SDKs' upsert sends no uid).
            Uid = input.Uid ?? (existing.Uid == sourceId ? existing.Uid : null),
            Type = type,
            ConfigJson = config,
            Metadata = MetadataMaps.From(input.Metadata),
            UpdatedAt = time.GetUtcNow(),
        };
        await SaveAsync(store, updated, context.RequestAborted);
        return TypedResults.Ok(await ToOutAsync(context, store, publicUrl, updated));
    }

    private static async Task<Ok<IngestSourceOut>> PatchAsync(
        HttpContext context, ISourceStore store, ApiBody body, PublicUrl publicUrl, TimeProvider time, [FromRoute(Name = "source_id")] string sourceId)
    {
        var existing = await SourceAccess.GetAsync(context, store, sourceId, adminOnly: true);
        var patch = await body.ReadAsync<IngestSourcePatch>(context.Request);
        var p = patch.Value;
        var v = new Validation();
        if (patch.Has("name"))
        {
            ValidateName(v, p.Name);
        }
        ValidateUid(v, p.Uid);
        v.Metadata(["body", "metadata"], p.Metadata);
        string type = existing.Type, config = existing.ConfigJson;
        if (patch.Has("type") || patch.Has("config"))
        {
            if (patch.Has("type") && !patch.Has("config") && !string.Equals(p.Type, existing.Type, StringComparison.OrdinalIgnoreCase))
            {
                v.Missing(["body", "config"]);
            }
            else
            {
                (type, config) = ValidateTypeAndConfig(v, patch.Has("type") ? p.Type : existing.Type, p.Config);
            }
        }
        v.ThrowIfAny();

        var updated = existing with
        {
            Name = patch.Has("name") ? p.Name! : existing.Name,
            Uid = patch.Has("uid") ? p.Uid : existing.Uid,
            Metadata = patch.Has("metadata") ? MetadataMaps.From(p.Metadata) : existing.Metadata,
            Type = type,
            ConfigJson = config,
            UpdatedAt = time.GetUtcNow(),
        };
        await SaveAsync(store, updated, context.RequestAborted);
        return TypedResults.Ok(await ToOutAsync(context, store, publicUrl, updated));
    }

    /// <summary>Deletes the source with its tokens, request log, endpoints and their messages.</summary>
    private static async Task<NoContent> DeleteAsync(HttpContext context, ISourceStore store, [FromRoute(Name = "source_id")] string sourceId)
    {
        var source = await SourceAccess.GetAsync(context, store, sourceId, adminOnly: true);
        if (!await store.DeleteSourceAsync(source.Id, context.RequestAborted))
        {
            throw ApiException.NotFound("Source not found");
        }
        return TypedResults.NoContent();
    }

    /// <summary>A new ingest URL; the previous one keeps working for <see cref="TokenGracePeriod"/>.</summary>
    private static async Task<Ok<RotateTokenOut>> RotateTokenAsync(
        HttpContext context, ISourceStore store, PublicUrl publicUrl, TimeProvider time, [FromRoute(Name = "source_id")] string sourceId)
    {
        var source = await SourceAccess.GetAsync(context, store, sourceId, adminOnly: true);
        var token = NewToken();
        await store.RotateSourceTokenAsync(source.Id, token, time.GetUtcNow() + TokenGracePeriod, context.RequestAborted);
        return TypedResults.Ok(new RotateTokenOut(IngestUrl(context, publicUrl, token)));
    }

    /// <summary>
    /// Svix's consumer portal access for a source, answered like app-portal-access: a token scoped to
    /// this source (its endpoints, request log and replay), and a portal link.
    /// </summary>
    private static async Task<Ok<AppPortalAccessOut>> DashboardAsync(
        HttpContext context, IHooklineStore store, ApiBody body, PublicUrl publicUrl, TimeProvider time, [FromRoute(Name = "source_id")] string sourceId)
    {
        var source = await SourceAccess.GetAsync(context, store, sourceId, adminOnly: true);
        var input = (await body.ReadAsync<IngestSourceConsumerPortalAccessIn>(context.Request, optional: true)).Value;
        var v = new Validation();
        v.Range(["body", "expiry"], input.Expiry, MinDashboardExpirySeconds, MaxDashboardExpirySeconds);
        if (input.ReadOnly == true)
        {
            // Hookline's scoped tokens are not split into read and write; refusing beats handing out more than was asked for.
            v.Add(["body", "readOnly"], "Read-only portal tokens are not supported; omit readOnly or set it to false.", "value_error.not_supported");
        }
        v.ThrowIfAny();
        var token = Tokens.Generate(Tokens.AppPrefix);
        var lifetime = TimeSpan.FromSeconds(input.Expiry ?? MaxDashboardExpirySeconds);
        await store.CreateAppTokenAsync(Tokens.Hash(token), source.AppId, time.GetUtcNow() + lifetime, context.RequestAborted);
        var url = $"{publicUrl.Get(context)}/portal/ingest/{Uri.EscapeDataString(source.Id)}#token={Uri.EscapeDataString(token)}";
        return TypedResults.Ok(new AppPortalAccessOut(token, url));
    }

    private static async Task<Source> CreateSourceAsync(
        IHooklineStore store, TimeProvider time, IngestSourceIn input, string? uid, string type, string config, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var app = new Application
        {
            Id = HooklineIds.New(HooklineIds.Application, now),
            Name = $"Ingest source {input.Name}",
            Kind = ApplicationKind.Source,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var source = new Source
        {
            Id = HooklineIds.New(HooklineIds.Source, now),
            Uid = uid,
            Name = input.Name!,
            Type = type,
            ConfigJson = config,
            Metadata = MetadataMaps.From(input.Metadata),
            AppId = app.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.CreateApplicationAsync(app, cancellationToken);
        try
        {
            await store.CreateSourceAsync(source, NewToken(), cancellationToken);
        }
        catch (StoreConflictException)
        {
            await store.DeleteApplicationAsync(app.Id, CancellationToken.None);
            throw UidTaken();
        }
        catch
        {
            await store.DeleteApplicationAsync(app.Id, CancellationToken.None);
            throw;
        }
        return source;
    }

    private static async Task SaveAsync(ISourceStore store, Source source, CancellationToken cancellationToken)
    {
        bool found;
        try
        {
            found = await store.UpdateSourceAsync(source, cancellationToken);
        }
        catch (StoreConflictException)
        {
            throw UidTaken();
        }
        if (!found)
        {
            throw ApiException.NotFound("Source not found");
        }
    }

    private static ApiException UidTaken() => ApiException.Conflict("A source with this uid already exists.");

    /// <summary>Validates a whole source body; returns the canonical type and the config to store.</summary>
    private static (string Type, string Config) Validate(IngestSourceIn input)
    {
        var v = new Validation();
        if (input.Name is null)
        {
            v.Missing(["body", "name"]);
        }
        else
        {
            ValidateName(v, input.Name);
        }
        ValidateUid(v, input.Uid);
        v.Metadata(["body", "metadata"], input.Metadata);
        var result = ValidateTypeAndConfig(v, input.Type, input.Config);
        v.ThrowIfAny();
        return result;
    }

    private static void ValidateName(Validation v, string? name)
    {
        if (name is null || name.Length < MinNameLength)
        {
            v.Add(["body", "name"], $"ensure this value has at least {MinNameLength} characters", "value_error.any_str.min_length");
        }
        else if (name.Length > MaxNameLength)
        {
            v.Add(["body", "name"], $"ensure this value has at most {MaxNameLength} characters", "value_error.any_str.max_length");
        }
    }

    private static void ValidateUid(Validation v, string? uid)
    {
        if (uid is { Length: > MaxUidLength })
        {
            v.Add(["body", "uid"], $"ensure this value has at most {MaxUidLength} characters", "value_error.any_str.max_length");
            return;
        }
        v.Uid(["body", "uid"], uid, HooklineIds.Source);
    }

    /// <summary>
    /// The type must be one Hookline can verify (Svix's names where Svix has the provider); the
    /// config is checked by the verifier itself, one 422 item per config key at fault.
    /// </summary>
    private static (string Type, string Config) ValidateTypeAndConfig(Validation v, string? type, JsonElement? config)
    {
        if (type is null)
        {
            v.Missing(["body", "type"]);
            return ("", "{}");
        }
        var canonical = SourceTypes.Canonical(type);
        if (canonical is null)
        {
            v.Add(["body", "type"], $"Unknown source type '{type}'; known types: {string.Join(", ", SourceTypes.All)}.", "value_error.source_type");
            return ("", "{}");
        }
        var element = config ?? default;
        if (element.ValueKind == JsonValueKind.Object)
        {
            // A number or boolean would be read as its text ("5"): a secret that nobody meant.
            foreach (var property in element.EnumerateObject())
            {
                // (Objects and arrays are refused for every key below.)
                if (SecretKeys.Contains(property.Name) && property.Value.ValueKind is (JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                {
                    v.Add(["body", "config", property.Name], "Must be a string: secrets are given as text.", "type_error.str");
                }
            }
        }
        var (values, shapeErrors) = WebhookVerifiers.FromJson(element);
        var errors = shapeErrors.Count > 0 ? shapeErrors : WebhookVerifiers.Validate(SourceTypes.VerifierType(canonical), values);
        foreach (var error in errors)
        {
            v.Add(error.Key == "config" ? ["body", "config"] : ["body", "config", error.Key], error.Message, "value_error.config");
        }
        return (canonical, element.ValueKind == JsonValueKind.Object ? element.GetRawText() : "{}");
    }

    internal static async Task<IngestSourceOut> ToOutAsync(HttpContext context, ISourceStore store, PublicUrl publicUrl, Source source)
    {
        var token = await store.GetCurrentSourceTokenAsync(source.Id, context.RequestAborted);
        return new IngestSourceOut(
            source.Id, source.Uid, source.Name, source.Type, PublicConfig(source.ConfigJson),
            token is null ? null : IngestUrl(context, publicUrl, token),
            source.Metadata, source.CreatedAt, source.UpdatedAt);
    }

    /// <summary>The config without its secrets (Svix's <c>*ConfigOut</c> show none).</summary>
    private static Dictionary<string, JsonElement> PublicConfig(string configJson)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(configJson);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!SecretKeys.Contains(property.Name))
                {
                    result[property.Name] = property.Value.Clone();
                }
            }
        }
        return result;
    }

    /// <summary><c>{Hookline:PublicUrl}/ingest/{token}</c>.</summary>
    internal static string IngestUrl(HttpContext context, PublicUrl publicUrl, string token) => $"{publicUrl.Get(context)}/ingest/{token}";

    /// <summary>An ingest token: 32 random bytes, URL-safe base64. It is the only credential of the ingest URL.</summary>
    internal static string NewToken() => Tokens.Generate("");
}
