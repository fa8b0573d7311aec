namespace Hookline.Receiver.AspNetCore;

/// <summary>
/// Options of the webhook inbox: how the background worker runs handlers (retries, backoff, timeout,
/// lease, concurrency) and how large a request may be. Set them with
/// <c>services.AddHooklineReceiver(o =&gt; o.MaxAttempts = 12)</c> or from a configuration section.
/// Where the inbox is stored is not an option: the application registers a store package's inbox,
/// <c>services.AddHooklineSqliteInbox("Data Source=inbox.db")</c> (Hookline.Storage.Sqlite) or
/// <c>services.AddHooklinePostgresInbox("Host=…")</c> (Hookline.Storage.Postgres).
/// </summary>
public sealed class HooklineReceiverOptions
{
    /// <summary>
    /// Gets or sets how many times a handler is tried in all (the first run included) before the
    /// event becomes a dead letter. An attempt whose process died counts as one.
    /// </summary>
    /// <value>The default value is 10.</value>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// Gets or sets the wait before the first retry. Each later retry waits twice as long as the one
    /// before, up to <see cref="MaxRetryDelay"/>, with <see cref="RetryJitter"/> applied.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the longest wait between two attempts.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets the random spread applied to each retry delay, as a fraction (0.2 = ±20%), so
    /// that events that failed together do not all retry at the same instant.
    /// </summary>
    /// <value>The default value is 0.2.</value>
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>
    /// Gets or sets how long one handler run may take. Its <see cref="CancellationToken"/> is
    /// cancelled then, and the attempt counts as failed.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a claim holds an event. It must outlast <see cref="HandlerTimeout"/>;
    /// the worker also renews it while a handler runs, so only a dead process loses it. After a
    /// crash, an event that was running is run again once its lease has run out.
    /// </summary>
    /// <value>The default value is 2 minutes.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets how many handlers this process runs at once.</summary>
    /// <value>The default value is 8.</value>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>
    /// Gets or sets the longest sleep of an idle worker. A stored request wakes the worker at once
    /// (on PostgreSQL, every node's worker, through <c>LISTEN/NOTIFY</c>); the poll is the fallback
    /// when a wake-up is lost.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the largest accepted request body; larger requests get 413. A webhook may set its own.</summary>
    /// <value>The default value is 1 MiB (1048576 bytes).</value>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets how long handled events are kept. While kept, a replay of the same delivery is
    /// acknowledged and not run again; after that the row is deleted. Dead letters are kept until requeued.
    /// </summary>
    /// <value>The default value is 7 days.</value>
    public TimeSpan DoneRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Gets or sets whether this process runs handlers. Set it to <see langword="false"/> on nodes that
    /// should only receive (and store) webhooks while other nodes sharing the PostgreSQL store run them.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RunWorker { get; set; } = true;

    /// <summary>Values of a configuration section that did not parse, with their keys; reported at start-up.</summary>
    internal List<string> BindingErrors { get; } = [];
}
