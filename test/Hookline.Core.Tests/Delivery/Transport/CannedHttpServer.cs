using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Hookline.Core.Tests.Delivery.Transport;

/// <summary>
/// A tiny HTTP/1.1 server on a loopback port that answers every request with the same canned
/// bytes and records what it received. Real sockets, so the delivery handler's connect path is
/// exercised for real; optionally TLS with a given certificate.
/// </summary>
internal sealed class CannedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly byte[] _response;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public CannedHttpServer(byte[] response, IPAddress? address = null, X509Certificate2? certificate = null)
    {
        _response = response;
        _certificate = certificate;
        _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many TCP connections were accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The request heads received (request line and headers).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static CannedHttpServer Respond(int status, string reason, string body = "", params string[] headers) =>
        new(BuildResponse(status, reason, Encoding.UTF8.GetBytes(body), headers));

    public static byte[] BuildResponse(int status, string reason, byte[] body, params string[] headers)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {reason}\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }
        head.Append($"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var ssl = new SslStream(stream);
                    await ssl.AuthenticateAsServerAsync(_certificate);
                    stream = ssl;
                }
                await using (stream)
                {
                    var head = await ReadHeadAsync(stream);
                    Requests.Enqueue(head);
                    await stream.WriteAsync(_response, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
            }
            catch (Exception)
            {
                // The client may hang up early (body cut at the limit, TLS refused): that is the test's business.
            }
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n')
            {
                break;
            }
        }
        var head = Encoding.ASCII.GetString([.. bytes]);
        // Drain a declared request body so the client is not reset while still sending it.
        var length = head.Split("\r\n")
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return head;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
        _certificate?.Dispose();
    }
}
