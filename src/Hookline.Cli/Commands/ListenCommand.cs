using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Hookline.Cli.Infrastructure;
using Spectre.Console;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline listen --app &lt;app&gt; --forward-to &lt;url&gt; [--events a,b]</c> and
/// <c>hookline listen --source &lt;source&gt; --forward-to &lt;url&gt;</c>: opens the relay WebSocket,
/// posts each delivery to the local URL with its original headers and body, and answers with the
/// local response, which the server records as the attempt. Reconnects (keeping its endpoint and
/// secret) when the connection drops; on exit the relay endpoint is removed.
/// </summary>
internal static class ListenCommand
{
    /// <summary>How much of the local app's answer goes back to the server (it keeps 20 KB by default).</summary>
    private const int MaxResponseBytes = 64 * 1024;

    /// <summary>Headers that belong to one hop, not to the delivery.</summary>
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "connection", "transfer-encoding", "keep-alive", "te", "trailer", "upgrade", "expect",
    };

    public static Command Create(CliContext context)
    {
        var app = new Option<string?>("--app") { Description = "Relay this application's webhooks (id or uid)", HelpName = "app" };
        var source = new Option<string?>("--source") { Description = "Relay the requests this ingest source accepts (id or uid)", HelpName = "source" };
        var forwardTo = new Option<string>("--forward-to", "-f") { Description = "The local URL to post each webhook to, e.g. http://localhost:3000/webhooks", Required = true, HelpName = "url" };
        var events = new Option<string[]>("--events") { Description = "Only these event types (comma-separated) [default: all]", HelpName = "a,b" };
        var localTimeout = new Option<string>("--timeout") { Description = "How long the local app may take to answer", DefaultValueFactory = _ => "30s", HelpName = "duration" };

        var command = new Command("listen", "Relay webhooks of an app (or an ingest source) to a local URL, signed as they would be delivered.");
        foreach (var option in new Option[] { app, source, forwardTo, events, localTimeout })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = ParseForwardTo(parse.GetValue(forwardTo)!);
            var types = (parse.GetValue(events) ?? []).SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
            var path = (parse.GetValue(app), parse.GetValue(source)) switch
            {
                ({ } a, null) => $"api/v1/app/{HooklineApi.Segment(a)}/listen",
                (null, { } s) when types.Count == 0 => $"ingest/api/v1/source/{HooklineApi.Segment(s)}/listen",
                (null, { }) => throw CliException.Usage("--events filters an app's event types; with --source every accepted request is relayed"),
                _ => throw CliException.Usage("give either --app or --source"),
            };
            var timeout = CliInput.ParseDuration(parse.GetValue(localTimeout)!, "--timeout");
            using var api = context.CreateApi(parse);
            using var listener = new Listener(context.Console, api, path, types, target, timeout, parse.GetValue(app) ?? parse.GetValue(source)!);
            return await listener.RunAsync(cancellationToken);
        });
        return command;
    }

    private static Uri ParseForwardTo(string value)
    {
        var text = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw CliException.Usage($"--forward-to: '{value}' is not an http:// or https:// URL");
    }

    private sealed class Listener(CliConsole console, HooklineApi api, string path, List<string> types, Uri target, TimeSpan localTimeout, string name) : IDisposable
    {
        private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

        private readonly SemaphoreSlim _sendLock = new(1, 1);
        private readonly HttpClient _local = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
        private string? _endpointId;

        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                var backoff = TimeSpan.FromSeconds(1);
                while (true)
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(10);
                    socket.Options.CollectHttpResponseDetails = true;
                    if (api.Token is { } token)
                    {
                        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
                    }
                    socket.Options.SetRequestHeader("User-Agent", $"hookline-cli/{HooklineApi.Version}");
                    try
                    {
                        await socket.ConnectAsync(SocketUri(), cancellationToken);
                    }
                    catch (WebSocketException ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        var failure = await ConnectFailureAsync(socket, ex, cancellationToken);
                        if (_endpointId is null || failure.ExitCode is ExitCodes.Unauthorized or ExitCodes.Usage)
                        {
                            throw failure;
                        }
                        if (failure.ExitCode == ExitCodes.NotFound)
                        {
                            console.WriteLine($"{Now()}  The relay endpoint {_endpointId} was removed while disconnected; starting a new one (new secret below).");
                            _endpointId = null;
                            continue;
                        }
                        console.WriteLine($"{Now()}  Reconnecting in {CliInput.Describe(backoff)}: {failure.Message}");
                        await Task.Delay(backoff, cancellationToken);
                        backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
                        continue;
                    }
                    backoff = TimeSpan.FromSeconds(1);
                    var closedByUs = await PumpAsync(socket, cancellationToken);
                    if (closedByUs)
                    {
                        return ExitCodes.Ok;
                    }
                    console.WriteLine($"{Now()}  Connection to {api.Server} lost; reconnecting (relay endpoint {_endpointId} is kept).");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
        }

        public void Dispose()
        {
            _local.Dispose();
            _sendLock.Dispose();
        }

        private Uri SocketUri()
        {
            var builder = new UriBuilder(new Uri(new Uri(api.Server + "/"), path));
            builder.Scheme = builder.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
            var query = new List<string>();
            if (types.Count > 0)
            {
                query.Add("eventTypes=" + Uri.EscapeDataString(string.Join(',', types)));
            }
            if (_endpointId is not null)
            {
                query.Add("endpoint=" + Uri.EscapeDataString(_endpointId));
            }
            builder.Query = string.Join('&', query);
            return builder.Uri;
        }

        private async Task<CliException> ConnectFailureAsync(ClientWebSocket socket, WebSocketException ex, CancellationToken cancellationToken)
        {
            var status = socket.HttpStatusCode;
            if (status == 0 || status == HttpStatusCode.SwitchingProtocols)
            {
                return api.Unreachable(ex);
            }
            if ((int)status is >= 400 and < 500)
            {
                // ClientWebSocket keeps no error body. The same request as a plain GET fails the same
                // way (the server checks everything before it asks for the upgrade) and has the reason.
                try
                {
                    await api.GetAsync(SocketUri().PathAndQuery.TrimStart('/'), cancellationToken);
                }
                catch (CliException failure) when (!failure.Message.Contains("WebSocket", StringComparison.Ordinal) && failure.ExitCode != ExitCodes.Unreachable)
                {
                    return failure;
                }
                catch (CliException)
                {
                }
            }
            return HooklineApi.Failure(status, "");
        }

        /// <summary>Runs one connection: true when it ended because the user stopped the CLI.</summary>
        private async Task<bool> PumpAsync(ClientWebSocket socket, CancellationToken cancellationToken)
        {
            var inFlight = new List<Task>();
            // Receives are not cancelled by Ctrl+C (that would abort the socket): the stop is a normal
            // close instead, which tells the server to remove the relay endpoint at once.
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = cancellationToken.Register(() => stop.TrySetResult());
            try
            {
                var buffer = new byte[64 * 1024];
                using var message = new MemoryStream();
                while (true)
                {
                    var receive = socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (await Task.WhenAny(receive, stop.Task) == stop.Task)
                    {
                        await CloseAsync(socket, receive);
                        return true;
                    }
                    var result = await receive;
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return false;
                    }
                    message.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage)
                    {
                        continue;
                    }
                    using var frame = JsonDocument.Parse(message.ToArray());
                    message.SetLength(0);
                    var root = frame.RootElement;
                    switch (root.Text("type"))
                    {
                        case "ready":
                            OnReady(root);
                            break;
                        case "request":
                            inFlight.RemoveAll(t => t.IsCompleted);
                            inFlight.Add(ForwardAsync(socket, root.Clone(), cancellationToken));
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or JsonException)
            {
                return cancellationToken.IsCancellationRequested;
            }
            finally
            {
                await Task.WhenAll(inFlight).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        private async Task CloseAsync(ClientWebSocket socket, Task<WebSocketReceiveResult> pendingReceive)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hookline listen stopped", timeout.Token);
                // The server answers the close after it removed the endpoint.
                await pendingReceive.WaitAsync(timeout.Token);
                console.WriteLine($"{Now()}  Stopped; relay endpoint {_endpointId} removed.");
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or IOException)
            {
                console.WriteLine($"{Now()}  Stopped; the server removes relay endpoint {_endpointId} after its disconnect timeout.");
            }
        }

        private void OnReady(JsonElement ready)
        {
            var resumed = ready.Text("resumed") == "true" && _endpointId == ready.Text("endpointId");
            _endpointId = ready.Text("endpointId");
            if (resumed)
            {
                console.WriteLine($"{Now()}  Reconnected; relay endpoint {_endpointId} resumed.");
                return;
            }
            var filter = ready.TryGetProperty("eventTypes", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
                ? string.Join(", ", list.EnumerateArray().Select(x => x.GetString()))
                : "all event types";
            console.Out.MarkupLine($"[green]Ready![/] Forwarding {Markup.Escape(name)} ({Markup.Escape(filter)}) to [bold]{Markup.Escape(target.ToString())}[/]");
            console.Out.MarkupLine($"Your webhook signing secret is [bold]{Markup.Escape(ready.Text("secret"))}[/] (relay endpoint {Markup.Escape(_endpointId)}; Ctrl+C to stop)");
        }

        /// <summary>Posts one delivery to the local URL and answers the server with what came back.</summary>
        private async Task ForwardAsync(ClientWebSocket socket, JsonElement request, CancellationToken cancellationToken)
        {
            var id = request.Text("id");
            var eventType = request.Text("eventType");
            var msgId = request.Text("msgId");
            var watch = Stopwatch.StartNew();
            int status = 0;
            string body = "";
            string? error = null;
            try
            {
                using var local = new HttpRequestMessage(HttpMethod.Post, target);
                local.Content = new ByteArrayContent(Convert.FromBase64String(request.Text("body")));
                if (request.TryGetProperty("headers", out var headers))
                {
                    foreach (var header in headers.EnumerateObject())
                    {
                        var value = header.Value.GetString() ?? "";
                        if (HopHeaders.Contains(header.Name))
                        {
                            continue;
                        }
                        if (header.Name.StartsWith("content-", StringComparison.OrdinalIgnoreCase))
                        {
                            local.Content.Headers.TryAddWithoutValidation(header.Name, value);
                        }
                        else
                        {
                            local.Headers.TryAddWithoutValidation(header.Name, value);
                        }
                    }
                }
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(localTimeout);
                using var response = await _local.SendAsync(local, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                status = (int)response.StatusCode;
                body = await ReadBodyAsync(response, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"The local app did not answer within {CliInput.Describe(localTimeout)} (hookline listen --timeout).";
            }
            catch (HttpRequestException ex)
            {
                error = $"Could not reach {target}: {(ex.InnerException ?? ex).Message}";
            }
            catch (FormatException)
            {
                error = "The relay sent a body that is not base64.";
            }
            watch.Stop();
            PrintLine(eventType, msgId, status, error, watch.Elapsed);
            var frame = JsonSerializer.SerializeToUtf8Bytes(new
            {
                type = "response",
                id,
                status,
                body,
                durationMs = (long)watch.Elapsed.TotalMilliseconds,
                error,
            }, CliJson.Options);
            try
            {
                await _sendLock.WaitAsync(cancellationToken);
                try
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }
                finally
                {
                    _sendLock.Release();
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection is gone; the server counts the attempt as failed and retries it.
            }
        }

        private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxResponseBytes];
            var count = 0;
            int read;
            while (count < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(count), cancellationToken)) > 0)
            {
                count += read;
            }
            var bytes = buffer.AsSpan(0, count);
            return System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Convert.ToBase64String(bytes);
        }

        private void PrintLine(string eventType, string msgId, int status, string? error, TimeSpan duration)
        {
            var colour = status is >= 200 and < 300 ? "green" : status is >= 300 and < 500 ? "yellow" : "red";
            var result = error is null ? $"[{colour}]{status}[/]" : $"[red]error[/] {Markup.Escape(error)}";
            console.Out.MarkupLine($"{Now()}  {Markup.Escape(eventType)}  {Markup.Escape(msgId)}  -> {result}  {(long)duration.TotalMilliseconds} ms");
        }

        private static string Now() => DateTimeOffset.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
    }
}
