using Hookline.Core.Model;

namespace Hookline.Core.Storage;

public interface ISourceStore
{
    /// <summary>Creates the source with its first ingest token.</summary>
    /// <exception cref="StoreConflictException">The uid is taken.</exception>
    Task CreateSourceAsync(Source source, string token, CancellationToken cancellationToken);

    /// <summary>By id or uid.</summary>
    Task<Source?> GetSourceAsync(string idOrUid, CancellationToken cancellationToken);

    /// <summary>The source an ingest token belongs to, if the token exists and has not expired.</summary>
    Task<Source?> GetSourceByTokenAsync(string token, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The token that does not expire (the one the source's ingest URL shows).</summary>
    Task<string?> GetCurrentSourceTokenAsync(string sourceId, CancellationToken cancellationToken);

    Task<Page<Source>> ListSourcesAsync(ListQuery query, CancellationToken cancellationToken);

    /// <exception cref="StoreConflictException">The new uid is taken.</exception>
    Task<bool> UpdateSourceAsync(Source source, CancellationToken cancellationToken);

    /// <summary>Deletes the source, its tokens, its request log and its hidden application.</summary>
    Task<bool> DeleteSourceAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="newToken"/> the current token; the old current token keeps working until
    /// <paramref name="oldExpiresAt"/>.
    /// </summary>
    Task RotateSourceTokenAsync(string sourceId, string newToken, DateTimeOffset oldExpiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Logs a request that became no message (rejected, too large, handshake). Accepted requests are
    /// logged by <see cref="IMessageStore.InsertMessagesAsync"/> in the same transaction as their message.
    /// </summary>
    Task InsertIngestRequestAsync(IngestRequestRecord record, CancellationToken cancellationToken);

    /// <summary>Newest first unless the query says otherwise; ordered by id.</summary>
    Task<Page<IngestRequestRecord>> ListIngestRequestsAsync(string sourceId, ListQuery query, CancellationToken cancellationToken);

    Task<IngestRequestRecord?> GetIngestRequestAsync(string sourceId, string requestId, CancellationToken cancellationToken);
}
