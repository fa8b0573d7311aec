using Npgsql;

namespace Hookline.Storage.Postgres.Internal;

/// <summary>
/// A connection that <c>LISTEN</c>ed goes back to the pool without Npgsql's session reset
/// (<c>No Reset On Close</c>, see <see cref="PostgresHooklineStore.CreateDataSource"/>), so it stops
/// listening itself first. A pooled connection still listening would have notifications queued for
/// it that nobody reads.
/// </summary>
internal static class ListeningConnection
{
    private static readonly TimeSpan UnlistenTimeout = TimeSpan.FromSeconds(2);

    public static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            // Broken or closed: Npgsql does not pool it.
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(UnlistenTimeout);
            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
            await unlisten.ExecuteNonQueryAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The connection failed on the way: Npgsql does not return a broken connection to the pool.
        }
    }
}
