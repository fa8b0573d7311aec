using Hookline.Console.Api;

namespace Hookline.Console.Components.Views;

/// <summary>What a set of views works on.</summary>
public enum ViewScopeKind
{
    /// <summary>A customer's application: endpoints, messages, event catalog.</summary>
    Application = 0,

    /// <summary>An ingest source: its endpoints (where requests are forwarded) and its request log.</summary>
    Source = 1,

    /// <summary>The operator's operational-webhook endpoints.</summary>
    Operational = 2,
}

/// <summary>
/// The object the shared views (endpoints, messages, event catalog) show, and where: the same
/// views serve the consumer portal (<c>/portal/{app}</c>), the dashboard's application pages
/// (<c>/apps/{app}</c>), an ingest source and the operational webhooks. Only the API paths and the
/// links differ; what the token may reach is decided by the API.
/// </summary>
public sealed record ViewScope(ViewScopeKind Kind, string? Id, string Name, string LinkBase, bool IsAdmin)
{
    /// <summary>The API path of the scope's endpoints.</summary>
    public string EndpointApi => Kind switch
    {
        ViewScopeKind.Application => $"api/v1/app/{HooklineApiClient.Segment(Id!)}/endpoint",
        ViewScopeKind.Source => $"ingest/api/v1/source/{HooklineApiClient.Segment(Id!)}/endpoint",
        _ => "api/v1/operational-webhook/endpoint",
    };

    /// <summary>The API path of the application (messages and attempts live there); only for <see cref="ViewScopeKind.Application"/>.</summary>
    public string AppApi => $"api/v1/app/{HooklineApiClient.Segment(Id!)}";

    public bool HasMessages => Kind == ViewScopeKind.Application;

    /// <summary>Endpoint stats and recover exist for applications and sources, not operational endpoints.</summary>
    public bool HasStats => Kind != ViewScopeKind.Operational;

    public string Link(string relative) => relative.Length == 0 ? LinkBase : $"{LinkBase}/{relative}";

    public string EndpointLink(string endpointId) => Link("endpoints/" + HooklineApiClient.Segment(endpointId));

    public string MessageLink(string messageId) => Link("messages/" + HooklineApiClient.Segment(messageId));
}
