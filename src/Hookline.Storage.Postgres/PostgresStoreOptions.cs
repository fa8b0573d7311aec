namespace Hookline.Storage.Postgres;

/// <summary>Settings of the PostgreSQL store.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>
    /// The Npgsql connection string, e.g. <c>Host=db;Database=hookline;Username=hookline;Password=…</c>.
    /// Pool size (<c>Maximum Pool Size</c>, default 100), timeouts and TLS are set here.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The <c>LISTEN/NOTIFY</c> channel nodes use to wake each other when work commits. Nodes that
    /// share a database share the channel; a different name only separates deployments that share a
    /// database (a wake-up for another deployment costs one empty claim, nothing worse).
    /// </summary>
    /// <value>The default value is <c>hookline_work</c>.</value>
    public string NotificationChannel { get; set; } = "hookline_work";

    /// <summary>
    /// How long the listening connection may stay silent before it is checked with a round trip,
    /// so a connection the network dropped without a word is noticed and replaced.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan ListenProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between attempts to re-establish the listening connection.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);
}
