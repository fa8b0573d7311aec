using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Hookline.Server.Tests.Infrastructure;
using Npgsql;

namespace Hookline.Server.Tests.Durability;

/// <summary>
/// PostgreSQL goes away under a running node (a failover, a network cut): the API answers 503 with
/// Retry-After instead of 500, and once the database is back the same request, sent again with its
/// idempotency key, is accepted and delivered. The database is reached through a TCP relay that the
/// test cuts, so the outage is real network failure, not a mock.
/// </summary>
public sealed class DatabaseOutageTests
{
    [PostgresFact]
    public async Task DatabaseUnreachable_Answers503ThenRecovers()
    {
        PostgresFactAttribute.RequireConnectionString();
        await using var database = new PostgresTestDatabase();
        await database.EnsureCreatedAsync();
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var relay = new TcpRelay(direct.Host!, direct.Port);
        relay.Start();
        try
        {
            var viaRelay = new NpgsqlConnectionStringBuilder(database.ConnectionString)
            {
                Host = "127.0.0.1",
                Port = relay.Port,
                Timeout = 2,
            };
            await using var receiver = await TestReceiver.StartAsync();
            await using var host = await HooklineHost.StartAsync(new Dictionary<string, string?>
            {
                ["Hookline:Storage:Provider"] = "postgres",
                ["Hookline:Storage:ConnectionString"] = viaRelay.ConnectionString,
                ["Hookline:Delivery:AllowPrivateNetworks"] = "true",
            });
            using var client = host.CreateAdminClient();
            await client.PostJsonAsync("/api/v1/app", new { name = "Outage", uid = "outage" }).ExpectAsync(HttpStatusCode.Created);
            await client.PostJsonAsync("/api/v1/app/outage/endpoint", new { url = receiver.Url("/hook") }).ExpectAsync(HttpStatusCode.Created);

            relay.Cut();
            NpgsqlConnection.ClearAllPools();

            using (var refused = await client.PostJsonAsync("/api/v1/app/outage/msg", new { eventType = "a.b", payload = new { n = 1 } }, idempotencyKey: "outage-1"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
                Assert.Contains("database_unavailable", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            await client.GetAtAsync("/api/v1/app/outage/msg").ExpectErrorAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");

            relay.Start();
            var accepted = await client.PostJsonAsync("/api/v1/app/outage/msg", new { eventType = "a.b", payload = new { n = 1 } }, idempotencyKey: "outage-1").ExpectAsync(HttpStatusCode.Accepted);
            var messageId = accepted.GetProperty("id").GetString();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!receiver.Requests.Any(r => r.Headers.TryGetValue("webhook-id", out var id) && id == messageId) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            Assert.Single(receiver.Requests, r => r.Headers.TryGetValue("webhook-id", out var id) && id == messageId);
        }
        finally
        {
            // Connections through the relay are dead once it is gone; drop them so nothing reuses them.
            NpgsqlConnection.ClearAllPools();
        }
    }

    /// <summary>A TCP relay to the database that can be cut (listener closed, open connections reset) and restored on the same port.</summary>
    private sealed class TcpRelay(string targetHost, int targetPort) : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<Socket, bool> _open = new();
        private TcpListener? _listener;

        public int Port { get; private set; }

        public void Start()
        {
            if (_listener is not null)
            {
                return;
            }
            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _listener = listener;
            _ = AcceptAsync(listener);
        }

        public void Cut()
        {
            var listener = Interlocked.Exchange(ref _listener, null);
            listener?.Stop();
            foreach (var socket in _open.Keys)
            {
                socket.Close(0);
            }
            _open.Clear();
        }

        private async Task AcceptAsync(TcpListener listener)
        {
            while (true)
            {
                Socket inbound;
                try
                {
                    inbound = await listener.AcceptSocketAsync();
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }
                var outbound = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await outbound.ConnectAsync(targetHost, targetPort);
                }
                catch (SocketException)
                {
                    inbound.Close(0);
                    outbound.Dispose();
                    continue;
                }
                _open[inbound] = true;
                _open[outbound] = true;
                _ = PumpAsync(inbound, outbound);
                _ = PumpAsync(outbound, inbound);
            }
        }

        private static async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                from.Close(0);
                to.Close(0);
            }
        }

        public ValueTask DisposeAsync()
        {
            Cut();
            return ValueTask.CompletedTask;
        }
    }
}
