using System.Net.WebSockets;
using System.Text.Json;
using Hookline.Core.Configuration;
using Hookline.Core.Delivery;
using Hookline.Core.Delivery.Relay;
using Hookline.Core.Ids;
using Hookline.Core.Model;
using Hookline.Core.Storage;
using Hookline.Server.Api;
using Hookline.Server.Endpoints;
using Hookline.Server.Ingest;
using Microsoft.Extensions.Options;
using EndpointModel = Hookline.Core.Model.Endpoint;

namespace Hookline.Server.Relay;

/// <summary>
/// <c>hookline listen</c>'s connection (Hookline addition): a WebSocket at
/// <c>GET /api/v1/app/{app_id}/listen</c> or <c>GET /ingest/api/v1/source/{source_id}/listen</c>,
/// behind the same bearer auth as the rest of the API. It creates (or, with <c>?endpoint=</c>,
/// resumes) a temporary relay endpoint subscribed to <c>?eventTypes=a,b</c>; the delivery engine
/// then sends that endpoint's signed requests over the connection, and the CLI's answers become
/// the attempts.
/// </summary>
internal static class RelayApi
{
    private const int MaxFrameBytes = 4 * 1024 * 1024;

    public static RouteGroupBuilder MapRelayApi(this RouteGroupBuilder api)
    {
        api.MapGet("/app/{app_id}/listen", (HttpContext context, string app_id) => ListenAsync(context, app_id, null))
            .WithTags("Relay").WithName("hookline.relay.listen-app")
            .WithSummary("Relay an application's webhooks over a WebSocket (hookline listen)")
            .WithDescription("WebSocket only. Query: eventTypes (comma-separated), endpoint (a relay endpoint id to resume).");
        return api;
    }

    public static RouteGroupBuilder MapSourceRelayApi(this RouteGroupBuilder ingestApi)
    {
        ingestApi.MapGet("/source/{source_id}/listen", (HttpContext context, string source_id) => ListenAsync(context, null, source_id))
            .WithTags("Relay").WithName("hookline.relay.listen-source")
            .WithSummary("Relay an ingest source's verified requests over a WebSocket (hookline listen --source)")
            .WithDescription("WebSocket only. Query: endpoint (a relay endpoint id to resume).");
        return ingestApi;
    }

    private static async Task ListenAsync(HttpContext context, string? appIdOrUid, string? sourceIdOrUid)
    {
        var services = context.RequestServices;
        var store = services.GetRequiredService<IHooklineStore>();
        var hub = services.GetRequiredService<RelayHub>();
        var time = services.GetRequiredService<TimeProvider>();
        Application app;
        if (sourceIdOrUid is not null)
        {
            var source = await SourceAccess.GetAsync(context, store, sourceIdOrUid);
            app = await store.GetApplicationAsync(source.AppId, context.RequestAborted) ?? throw ApiException.NotFound("Source not found");
        }
        else
        {
            app = await AppAccess.GetAsync(context, store, appIdOrUid!);
        }
        var v = new Validation();
        var types = Lists.EventTypes(context.Request.Query["eventTypes"].Where(x => x is not null).ToArray()!, v);
        var resume = context.Request.Query["endpoint"].ToString();
        if (resume.Length > 0)
        {
            AppAccess.RequireIdOrUid("endpoint", resume);
        }
        v.ThrowIfAny();
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest("This route takes a WebSocket connection (it is what 'hookline listen' opens).", "websocket_required");
        }

        var now = time.GetUtcNow();
        EndpointModel endpoint;
        var resumed = false;
        if (resume.Length > 0 && await store.GetEndpointAsync(app.Id, resume, context.RequestAborted) is { } existing)
        {
            if (!existing.Metadata.ContainsKey(RelayEndpoints.MarkerMetadataKey) || !RelayEndpoints.IsRelay(existing.Url))
            {
                throw ApiException.Conflict($"Endpoint {existing.Id} is not a relay endpoint.", "not_a_relay_endpoint");
            }
            endpoint = existing with
            {
                Url = RelayEndpoints.Url(hub.NodeId, existing.Id),
                Metadata = LeaseMetadata(hub),
                UpdatedAt = now,
            };
            await store.UpdateEndpointAsync(endpoint, context.RequestAborted);
            resumed = true;
        }
        else if (resume.Length > 0)
        {
            throw ApiException.NotFound("The relay endpoint to resume no longer exists (it was removed after the disconnect timeout).");
        }
        else
        {
            var id = HooklineIds.New(HooklineIds.Endpoint, now);
            endpoint = new EndpointModel
            {
                Id = id,
                AppId = app.Id,
                Url = RelayEndpoints.Url(hub.NodeId, id),
                Description = "hookline listen relay (temporary: removed when the CLI exits)",
                EventTypes = types,
                Metadata = LeaseMetadata(hub),
                Secrets = [new EndpointSecret(EndpointSecrets.Generate(), null)],
                CreatedAt = now,
                UpdatedAt = now,
            };
            await store.CreateEndpointAsync(endpoint, context.RequestAborted);
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(10),
            // A CLI that vanished without closing is noticed after this, not at the next TCP timeout.
            KeepAliveTimeout = hub.Options.DisconnectTimeout < TimeSpan.FromSeconds(10) ? hub.Options.DisconnectTimeout : TimeSpan.FromSeconds(10),
        });
        var maxBody = services.GetRequiredService<IOptions<DeliveryOptions>>().Value.MaxResponseBodyBytes;
        using var session = new RelaySession(socket, app.Id, endpoint.Id, maxBody);
        hub.Attach(session);
        var closedByClient = false;
        var detached = false;
        using var renewal = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(store, hub, time, app.Id, endpoint.Id, renewal.Token);
        try
        {
            await session.SendFrameAsync(new ReadyFrame("ready", endpoint.Id, app.Id, endpoint.CurrentSecret, endpoint.EventTypes, resumed, hub.Options.DisconnectTimeout.TotalSeconds), context.RequestAborted);
            closedByClient = await ReceiveAsync(socket, session, context.RequestAborted);
            if (closedByClient && socket.State == WebSocketState.CloseReceived)
            {
                // Remove the endpoint before answering the close, so the CLI can say it is gone.
                detached = true;
                await renewal.CancelAsync();
                await renewing;
                await hub.DetachAsync(session, closedByClient: true);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "relay endpoint removed", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The connection was lost; the endpoint waits for the CLI to reconnect.
        }
        finally
        {
            if (!detached)
            {
                await renewal.CancelAsync();
                await renewing;
                await hub.DetachAsync(session, closedByClient);
            }
        }
    }

    /// <summary>Reads the CLI's answers until it closes (true) or the connection drops (false).</summary>
    private static async Task<bool> ReceiveAsync(WebSocket socket, RelaySession session, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return result.CloseStatus == WebSocketCloseStatus.NormalClosure;
            }
            message.Write(buffer, 0, result.Count);
            if (message.Length > MaxFrameBytes)
            {
                await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "frame too large", CancellationToken.None);
                return false;
            }
            if (!result.EndOfMessage)
            {
                continue;
            }
            try
            {
                var frame = JsonSerializer.Deserialize<ResponseFrame>(message.GetBuffer().AsSpan(0, (int)message.Length), RelayFrames.Json);
                if (frame is { Type: "response" })
                {
                    session.Complete(frame);
                }
            }
            catch (JsonException)
            {
                // Not a frame of this protocol: ignored, like an unknown frame type.
            }
            message.SetLength(0);
        }
    }

    private static Dictionary<string, string> LeaseMetadata(RelayHub hub) => new(StringComparer.Ordinal)
    {
        [RelayEndpoints.MarkerMetadataKey] = "listen",
        [RelayEndpoints.LeaseMetadataKey] = hub.Lease(),
    };

    /// <summary>Keeps the endpoint's lease fresh while connected, so other nodes know its holder lives.</summary>
    private static async Task RenewLeaseAsync(IHooklineStore store, RelayHub hub, TimeProvider time, string appId, string endpointId, CancellationToken cancellationToken)
    {
        var period = hub.Options.DisconnectTimeout / 3;
        using var timer = new PeriodicTimer(period < TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (await store.GetEndpointAsync(appId, endpointId, cancellationToken) is not { } endpoint)
                {
                    return;
                }
                await store.UpdateEndpointAsync(endpoint with { Metadata = LeaseMetadata(hub), UpdatedAt = time.GetUtcNow() }, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failed renewal only shortens the lease; the next connection renews it again.
        }
    }
}

internal static class RelayServiceCollectionExtensions
{
    public static IServiceCollection AddHooklineRelay(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RelayOptions>().Configure(options =>
        {
            var text = configuration[$"{RelayOptions.SectionName}:DisconnectTimeout"];
            if (!string.IsNullOrWhiteSpace(text))
            {
                options.DisconnectTimeout = Durations.TryParse(text, out var value) && value > TimeSpan.Zero
                    ? value
                    : throw new OptionsValidationException(RelayOptions.SectionName, typeof(RelayOptions),
                        [$"Hookline:Relay:DisconnectTimeout '{text}' is not a positive duration (write 500ms, 5s, 5m, 2h or 5d)."]);
            }
        });
        services.AddSingleton<RelayHub>();
        services.AddSingleton<IDeliveryRelay>(sp => sp.GetRequiredService<RelayHub>());
        return services;
    }
}
