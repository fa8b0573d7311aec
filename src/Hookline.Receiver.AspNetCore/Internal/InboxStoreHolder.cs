using Hookline.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Gives the receiver the inbox store the application registered (a store package's
/// <c>AddHooklineSqliteInbox</c> or <c>AddHooklinePostgresInbox</c>), migrated once, on first use —
/// whichever comes first, a request or the worker, so nothing depends on the order in which the host
/// starts things. A failed migration is retried by the next caller rather than cached. The container
/// owns (and disposes) the store.
/// </summary>
internal sealed class InboxStoreHolder : IDisposable
{
    /// <summary>Said when no store is registered: at startup (options validation) and on first use.</summary>
    public const string NoStoreMessage =
        "Choose where the inbox is stored: services.AddHooklineSqliteInbox(\"Data Source=inbox.db\") (package Hookline.Storage.Sqlite) " +
        "or services.AddHooklinePostgresInbox(\"Host=…\") (package Hookline.Storage.Postgres), beside AddHooklineReceiver(…).";

    private readonly IServiceProvider _services;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IInboxStore? _ready;

    public InboxStoreHolder(IServiceProvider services)
    {
        _services = services;
    }

    public async ValueTask<IInboxStore> GetAsync(CancellationToken cancellationToken)
    {
        if (_ready is { } ready)
        {
            return ready;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_ready is null)
            {
                var store = _services.GetService<IInboxStore>() ?? throw new InvalidOperationException(NoStoreMessage);
                await store.MigrateAsync(cancellationToken);
                _ready = store;
            }
            return _ready;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Tells the other processes sharing the inbox that work is waiting. Never throws and does not delay
    /// the caller: a lost announcement costs the other workers at most a poll interval.
    /// </summary>
    public void AnnounceWork(ILogger logger)
    {
        if (_ready is not { } store)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await store.AnnounceWorkAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.NotifyFailed(logger, ex);
            }
        });
    }

    public void Dispose() => _gate.Dispose();
}
