using Hookline.Core.Model;

namespace Hookline.Core.Ingest;

public sealed partial class IngestService
{
    /// <summary>
    /// Sends the message a logged request became again, now, with a fresh retry schedule: to one
    /// endpoint of the source, or to every endpoint the matching rule gives today
    /// (<see cref="Messages.MessageService.MatchingEndpointsAsync"/>: endpoints added since the request
    /// arrived included). Rejected, handshake and oversized requests never became a message and are
    /// not replayable: replaying them would skip verification.
    /// </summary>
    /// <param name="source">The source the caller may reach.</param>
    /// <param name="request">One of the source's log entries.</param>
    /// <param name="endpointId">One endpoint (id or uid) to send to, whatever it subscribes to; null for the matching ones.</param>
    public async Task<IngestReplayResult> ReplayAsync(Source source, IngestRequestRecord request, string? endpointId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(request);
        if (request.MessageId is null)
        {
            return new IngestReplayResult(IngestReplayOutcome.NotReplayable);
        }
        var message = await _store.GetMessageAsync(source.AppId, request.MessageId, cancellationToken);
        if (message is null)
        {
            return new IngestReplayResult(IngestReplayOutcome.MessageGone);
        }
        if (message.Payload is null)
        {
            return new IngestReplayResult(IngestReplayOutcome.PayloadUnavailable, message.Id);
        }

        IReadOnlyList<Endpoint> targets;
        if (endpointId is not null)
        {
            var endpoint = await _store.GetEndpointAsync(source.AppId, endpointId, cancellationToken);
            if (endpoint is null)
            {
                return new IngestReplayResult(IngestReplayOutcome.EndpointNotFound, message.Id);
            }
            targets = [endpoint];
        }
        else
        {
            targets = await _messages.MatchingEndpointsAsync(source.AppId, message.EventType, message.Channels, cancellationToken);
        }
        var now = _time.GetUtcNow();
        var queued = new List<string>(targets.Count);
        foreach (var endpoint in targets)
        {
            if (await _store.ResendAsync(source.AppId, message.Id, endpoint.Id, now, cancellationToken))
            {
                queued.Add(endpoint.Id);
            }
        }
        _signal.Notify();
        return new IngestReplayResult(IngestReplayOutcome.Queued, message.Id, queued);
    }
}
