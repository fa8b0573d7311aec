using Hookline.Core.Storage;
using Hookline.Core.Work;
using Hookline.Signatures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Runs handlers for stored webhooks. It claims due events (only of the webhooks this app maps) with
/// a lease, up to <see cref="HooklineReceiverOptions.MaxConcurrency"/> at a time, runs each handler
/// in a DI scope of its own, and records the outcome: done, a retry after exponential backoff, or a
/// dead letter after the last attempt. It sleeps until the next event is due, a new one is stored
/// (<see cref="InboxSignal"/>), or the poll interval passes. The loop is Core's
/// <see cref="WorkLoop{TItem}"/>, the same as the delivery dispatcher's; this class keeps the inbox's
/// parts: connecting to the store, the hourly purge, running a handler and recording its outcome.
/// </summary>
/// <remarks>
/// A handler never runs twice at once for one event: the lease outlasts the handler timeout, it is
/// renewed while the handler runs (also past its timeout, for a handler that ignores cancellation),
/// and an outcome recorded under a lost lease changes nothing. If the process dies, the lease runs
/// out and another claim runs the handler again: at-least-once.
/// </remarks>
internal sealed class InboxWorker : BackgroundService
{
    private const int PurgeBatch = 1000;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan ErrorPause = TimeSpan.FromSeconds(1);
    private const int MaxErrorLength = 4000;

    private readonly InboxStoreHolder _stores;
    private readonly WebhookRegistry _registry;
    private readonly InboxSignal _signal;
    private readonly IServiceScopeFactory _scopes;
    private readonly HooklineReceiverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxWorker> _logger;

    public InboxWorker(
        InboxStoreHolder stores,
        WebhookRegistry registry,
        InboxSignal signal,
        IServiceScopeFactory scopes,
        IOptions<HooklineReceiverOptions> options,
        TimeProvider time,
        ILogger<InboxWorker> logger)
    {
        _stores = stores;
        _registry = registry;
        _signal = signal;
        _scopes = scopes;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.RunWorker)
        {
            var missing = _registry.All.Where(w => w.Handler is null).Select(w => w.Pattern).ToArray();
            if (missing.Length > 0)
            {
                throw new InvalidOperationException(
                    $"MapWebhook({string.Join(", ", missing.Select(p => $"\"{p}\""))}) has no handler: call .Handle(…) on what MapWebhook returns.");
            }
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunWorker || _registry.All.Count == 0)
        {
            return;
        }
        var webhooks = _registry.All.Select(w => w.Name).ToArray();
        var store = await ConnectAsync(stoppingToken);
        if (store is null)
        {
            return;
        }
        var nextPurge = _time.GetUtcNow();
        var loop = new WorkLoop<InboxItem>(_time)
        {
            BeforeRoundAsync = async cancellationToken =>
            {
                var now = _time.GetUtcNow();
                if (now >= nextPurge)
                {
                    await PurgeAsync(store, now, cancellationToken);
                    nextPurge = now + PurgeInterval;
                }
            },
            ClaimAsync = (now, max, cancellationToken) => store.ClaimInboxItemsAsync(new InboxClaimRequest
            {
                Now = now,
                LeaseDuration = _options.LeaseDuration,
                MaxItems = max,
                MaxAttempts = _options.MaxAttempts,
                Webhooks = webhooks,
            }, cancellationToken),
            // Handlers saw the stopping token; the loop lets them finish and record what they did
            // (a handler cancelled by shutdown is released without counting as an attempt).
            ProcessAsync = (item, cancellationToken) => RunAsync(store, item, cancellationToken),
            GetNextDueAsync = (after, cancellationToken) => store.GetNextInboxDueAsync(after, webhooks, cancellationToken),
            WaitForSignalAsync = (timeout, cancellationToken) => _signal.WaitAsync(timeout, _time, cancellationToken),
            ItemFinished = _signal.Wake, // A slot is free.
            MaxInFlight = _options.MaxConcurrency,
            PollInterval = _options.PollInterval,
            ErrorPause = ErrorPause,
            Failed = ex => Log.ClaimFailed(_logger, ex),
        };
        await loop.RunAsync(stoppingToken);
    }

    private async Task<IInboxStore?> ConnectAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                return await _stores.GetAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.StoreUnavailable(_logger, ex);
                try
                {
                    await Task.Delay(ErrorPause * 5, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
        return null;
    }

    private async Task RunAsync(IInboxStore store, InboxItem item, CancellationToken stoppingToken)
    {
        var webhook = _registry.Find(item.Webhook)!;
        using var timeout = new CancellationTokenSource(_options.HandlerTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        using var finished = new CancellationTokenSource();
        var renewal = RenewLeaseAsync(store, item, webhook, timeout.Token, finished.Token);

        InboxCompletion completion;
        try
        {
            var webhookEvent = new WebhookEvent(
                item.Id, item.Webhook, webhook.Verifier.Type, item.DeliveryId, new WebhookHeaders(item.Headers), item.Body,
                item.Url, item.Method, item.VerifiedTimestamp, item.ReceivedAt, item.AttemptCount);
            await using (var scope = _scopes.CreateAsyncScope())
            {
                await webhook.Handler!.InvokeAsync(webhookEvent, scope.ServiceProvider, linked.Token);
            }
            completion = Completion(item, InboxOutcome.Succeeded);
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException)
        {
            completion = Completion(item, InboxOutcome.Released);
        }
        catch (Exception ex)
        {
            var error = timeout.IsCancellationRequested && ex is OperationCanceledException
                ? $"The handler timed out after {_options.HandlerTimeout}."
                : $"{ex.GetType().FullName}: {ex.Message}";
            if (error.Length > MaxErrorLength)
            {
                error = error[..MaxErrorLength];
            }
            if (item.AttemptCount >= _options.MaxAttempts)
            {
                Log.HandlerDead(_logger, item.Webhook, item.DeliveryId, item.AttemptCount, ex);
                completion = Completion(item, InboxOutcome.Dead) with { Error = error };
            }
            else
            {
                var delay = RetryBackoff.Delay(item.AttemptCount, _options.RetryDelay, _options.MaxRetryDelay, _options.RetryJitter, Random.Shared.NextDouble());
                Log.HandlerRetry(_logger, item.Webhook, item.DeliveryId, item.AttemptCount, delay, ex);
                completion = Completion(item, InboxOutcome.Retry) with { Error = error, NextAttemptAt = _time.GetUtcNow() + delay };
            }
        }
        finally
        {
            await finished.CancelAsync();
            await renewal;
        }
        await CompleteAsync(store, completion);
    }

    private InboxCompletion Completion(InboxItem item, InboxOutcome outcome) => new()
    {
        Id = item.Id,
        LeaseToken = item.LeaseToken!,
        Outcome = outcome,
        Now = _time.GetUtcNow(),
    };

    /// <summary>Keeps the lease alive while the handler runs, renewing it every third of its length.</summary>
    private async Task RenewLeaseAsync(IInboxStore store, InboxItem item, WebhookDefinition webhook, CancellationToken timedOut, CancellationToken finished)
    {
        var overranLogged = false;
        var wait = _options.LeaseDuration / 3;
        while (!finished.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, _time, finished);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (timedOut.IsCancellationRequested && !overranLogged)
            {
                Log.HandlerOverran(_logger, webhook.Name, item.DeliveryId);
                overranLogged = true;
            }
            try
            {
                if (!await store.RenewInboxLeaseAsync(item.Id, item.LeaseToken!, _time.GetUtcNow() + _options.LeaseDuration, CancellationToken.None))
                {
                    Log.LeaseLost(_logger, item.Id);
                    return;
                }
                wait = _options.LeaseDuration / 3;
            }
            catch (Exception ex)
            {
                // A busy or briefly unreachable store: try again soon, not a third of the lease later,
                // so one failed renewal does not let the lease run out under a running handler.
                Log.RenewFailed(_logger, item.Id, ex);
                wait = _options.LeaseDuration / 10;
            }
        }
    }

    /// <summary>Records an outcome, retrying a failing store for a while; if that never works the lease runs out and the event runs again.</summary>
    private async Task CompleteAsync(IInboxStore store, InboxCompletion completion)
    {
        var deadline = _time.GetUtcNow() + _options.LeaseDuration;
        while (true)
        {
            try
            {
                if (!await store.CompleteInboxItemAsync(completion, CancellationToken.None))
                {
                    Log.LeaseLost(_logger, completion.Id);
                }
                return;
            }
            catch (Exception ex)
            {
                Log.CompleteFailed(_logger, completion.Id, ex);
                if (_time.GetUtcNow() >= deadline)
                {
                    return;
                }
                await Task.Delay(ErrorPause, _time, CancellationToken.None);
            }
        }
    }

    private async Task PurgeAsync(IInboxStore store, DateTimeOffset now, CancellationToken stoppingToken)
    {
        try
        {
            while (await store.PurgeDoneInboxItemsAsync(now - _options.DoneRetention, PurgeBatch, stoppingToken) == PurgeBatch)
            {
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Log.PurgeFailed(_logger, ex);
        }
    }
}
