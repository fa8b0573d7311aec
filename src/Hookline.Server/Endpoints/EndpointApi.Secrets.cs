using Hookline.Core.Model;
using Hookline.Core.Operational;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hookline.Server.Endpoints;

internal static partial class EndpointApi
{
    /// <summary>Svix's default grace period: the old secret keeps signing for 24 hours.</summary>
    public const long DefaultGracePeriodSeconds = 86_400;
    public const long MaxGracePeriodSeconds = 604_800;

    /// <summary>Rotated-out secrets kept at once (Svix keeps 5).</summary>
    public const int MaxOldSecrets = 5;

    private static async Task<Ok<EndpointSecretOut>> GetSecretAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (_, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        return TypedResults.Ok(new EndpointSecretOut(EndpointSecrets.Display(endpoint.CurrentSecret)));
    }

    private static async Task<NoContent> RotateSecretAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, TimeProvider time,
        [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (_, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        var input = (await body.ReadAsync<EndpointSecretRotateIn>(context.Request, optional: true)).Value;
        var v = new Validation();
        v.Range(["body", "gracePeriodSeconds"], input.GracePeriodSeconds, 0, MaxGracePeriodSeconds);
        string? newKey = null;
        if (input.Key is not null)
        {
            if (EndpointSecrets.TryNormalize(input.Key, out var normalized, out var error))
            {
                newKey = normalized;
            }
            else
            {
                v.Add(["body", "key"], error, "value_error.secret");
            }
        }
        v.ThrowIfAny();

        var now = time.GetUtcNow();
        var updated = endpoint with
        {
            Secrets = Rotate(endpoint.Secrets, newKey ?? EndpointSecrets.Generate(), TimeSpan.FromSeconds(input.GracePeriodSeconds ?? DefaultGracePeriodSeconds), now),
            UpdatedAt = now,
        };
        await SaveAsync(context, store, updated);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The new secret becomes current; the old current one keeps signing until <paramref name="grace"/>
    /// has passed; secrets already expired are dropped, and at most <see cref="MaxOldSecrets"/> old ones stay.
    /// </summary>
    internal static IReadOnlyList<EndpointSecret> Rotate(IReadOnlyList<EndpointSecret> secrets, string newKey, TimeSpan grace, DateTimeOffset now)
    {
        var old = new List<EndpointSecret>();
        foreach (var secret in secrets)
        {
            var expiresAt = secret.ExpiresAt ?? now + grace;
            if (expiresAt > now && secret.Key != newKey)
            {
                old.Add(secret with { ExpiresAt = expiresAt });
            }
        }
        return [new EndpointSecret(newKey, null), .. old.OrderByDescending(s => s.ExpiresAt).Take(MaxOldSecrets)];
    }

    private static async Task<Ok<EndpointHeadersOut>> GetHeadersAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, [FromRoute(Name = "endpoint_id")] string endpointId)
    {
        var (_, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        return TypedResults.Ok(EndpointHeaderRules.ToOut(endpoint.Headers));
    }

    private static Task<NoContent> UpdateHeadersAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, TimeProvider time,
        [FromRoute(Name = "endpoint_id")] string endpointId) =>
        ChangeHeadersAsync(context, store, operational, body, time, endpointId, patch: false);

    private static Task<NoContent> PatchHeadersAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, TimeProvider time,
        [FromRoute(Name = "endpoint_id")] string endpointId) =>
        ChangeHeadersAsync(context, store, operational, body, time, endpointId, patch: true);

    private static async Task<NoContent> ChangeHeadersAsync(
        HttpContext context, IHooklineStore store, OperationalWebhooks operational, ApiBody body, TimeProvider time, string endpointId, bool patch)
    {
        var (_, endpoint) = await ResolveAsync(context, store, operational, endpointId);
        var input = (await body.ReadAsync<EndpointHeadersIn>(context.Request)).Value;
        if (input.Headers is null)
        {
            throw ApiException.Validation(["body", "headers"], "field required", "value_error.missing");
        }
        var v = new Validation();
        EndpointHeaderRules.Validate(v, ["body", "headers"], input.Headers, allowNullValues: patch);
        v.ThrowIfAny();
        var updated = endpoint with
        {
            Headers = patch ? EndpointHeaderRules.Merge(endpoint.Headers, input.Headers) : EndpointHeaderRules.Replace(input.Headers),
            UpdatedAt = time.GetUtcNow(),
        };
        await SaveAsync(context, store, updated);
        return TypedResults.NoContent();
    }
}
