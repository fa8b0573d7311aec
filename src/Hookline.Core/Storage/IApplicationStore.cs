using Hookline.Core.Model;

namespace Hookline.Core.Storage;

public interface IApplicationStore
{
    /// <exception cref="StoreConflictException">The uid is taken.</exception>
    Task CreateApplicationAsync(Application application, CancellationToken cancellationToken);

    /// <summary>By id or uid.</summary>
    Task<Application?> GetApplicationAsync(string idOrUid, CancellationToken cancellationToken);

    /// <summary>Normal applications only (internal ones are hidden), ordered by id.</summary>
    /// <param name="query">The page.</param>
    /// <param name="search">
    /// When set, only applications whose id or uid is exactly this, or whose name contains it
    /// (ignoring case).
    /// </param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<Page<Application>> ListApplicationsAsync(ListQuery query, string? search, CancellationToken cancellationToken);

    /// <summary>Replaces the stored application with the same id. False when it does not exist.</summary>
    /// <exception cref="StoreConflictException">The new uid is taken.</exception>
    Task<bool> UpdateApplicationAsync(Application application, CancellationToken cancellationToken);

    /// <summary>Deletes the application with its endpoints, messages, deliveries and attempts.</summary>
    Task<bool> DeleteApplicationAsync(string id, CancellationToken cancellationToken);
}

public interface IEventTypeStore
{
    /// <exception cref="StoreConflictException">The name is taken.</exception>
    Task CreateEventTypeAsync(EventType eventType, CancellationToken cancellationToken);

    Task<EventType?> GetEventTypeAsync(string name, CancellationToken cancellationToken);

    /// <summary>Ordered by name.</summary>
    Task<Page<EventType>> ListEventTypesAsync(ListQuery query, bool includeArchived, CancellationToken cancellationToken);

    Task<bool> UpdateEventTypeAsync(EventType eventType, CancellationToken cancellationToken);

    Task<bool> DeleteEventTypeAsync(string name, CancellationToken cancellationToken);
}

public interface IEndpointStore
{
    /// <exception cref="StoreConflictException">The uid is taken in this application.</exception>
    Task CreateEndpointAsync(Endpoint endpoint, CancellationToken cancellationToken);

    /// <summary>By id or uid, within one application.</summary>
    Task<Endpoint?> GetEndpointAsync(string appId, string idOrUid, CancellationToken cancellationToken);

    /// <summary>Ordered by id.</summary>
    Task<Page<Endpoint>> ListEndpointsAsync(string appId, ListQuery query, CancellationToken cancellationToken);

    /// <summary>Every endpoint of an application, disabled ones included (fan-out filters them).</summary>
    Task<IReadOnlyList<Endpoint>> GetAllEndpointsAsync(string appId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the endpoint (url, filters, secrets, headers, disabled, …). Re-enabling an endpoint
    /// clears <see cref="Endpoint.FailingSince"/>.
    /// </summary>
    /// <exception cref="StoreConflictException">The new uid is taken.</exception>
    Task<bool> UpdateEndpointAsync(Endpoint endpoint, CancellationToken cancellationToken);

    /// <summary>Deletes the endpoint; its pending deliveries are dropped, attempts are kept.</summary>
    Task<bool> DeleteEndpointAsync(string appId, string endpointId, CancellationToken cancellationToken);
}
