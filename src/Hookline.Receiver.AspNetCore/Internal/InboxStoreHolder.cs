using Hookline.Core.Storage;
using Hookline.Storage.Postgres;
using Hookline.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace Hookline.Receiver.AspNetCore.Internal;

/// <summary>
/// Owns the inbox's store: one of Hookline's own stores (the same SQL the server runs), created from
/// the options and migrated once, on first use — whichever comes first, a request or the worker, so
/// nothing depends on the order in which the host starts things. A failed migration is retried by the
/// next caller rather than cached.
/// </summary>
internal sealed class InboxStoreHolder : IAsyncDisposable
{
    private readonly HooklineReceiverOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IHooklineStore? _store;
    private volatile IInboxStore? _ready;

    public InboxStoreHolder(IOptions<HooklineReceiverOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
    }

    /// <summary>The store once it is ready, else null.</summary>
    public IHooklineStore? Current => _ready is null ? null : _store;

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
                _store ??= Create(_options, _time);
                await _store.MigrateAsync(cancellationToken);
                _ready = _store;
            }
            return _ready;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal static IHooklineStore Create(HooklineReceiverOptions options, TimeProvider time)
    {
        var connectionString = options.ConnectionString ?? throw new InvalidOperationException("The inbox has no connection string.");
        return options.StorageProvider?.ToLowerInvariant() switch
        {
            HooklineReceiverOptions.Sqlite => new SqliteHooklineStore(
                connectionString.Contains('=', StringComparison.Ordinal) ? connectionString : "Data Source=" + connectionString, time),
            HooklineReceiverOptions.Postgres => new PostgresHooklineStore(connectionString, time),
            _ => throw new InvalidOperationException($"Unknown inbox storage provider '{options.StorageProvider}'."),
        };
    }

    public async ValueTask DisposeAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
        _gate.Dispose();
    }
}
