using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Core.Tests.Delivery.Engine;

/// <summary>A request as a receiver saw it.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At);

/// <summary>
/// A real Kestrel webhook receiver on 127.0.0.1. Each path answers with the handler registered for
/// it (default 200) and every request is recorded.
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, ReceivedRequest, Task>> _handlers = new();

    private TestReceiver(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public IEnumerable<ReceivedRequest> At(string path) => Requests.Where(r => r.Path == path);

    /// <summary>Sets how a path answers; the handler runs after the request is recorded.</summary>
    public void On(string path, Func<HttpContext, ReceivedRequest, Task> handler) => _handlers[path] = handler;

    public void OnStatus(string path, int status) => On(path, (ctx, _) =>
    {
        ctx.Response.StatusCode = status;
        return Task.CompletedTask;
    });

    public static async Task<TestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TestReceiver? receiver = null;
        app.Run(async ctx =>
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer);
            var request = new ReceivedRequest(
                ctx.Request.Path.Value ?? "/",
                ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                buffer.ToArray(),
                DateTimeOffset.UtcNow);
            receiver!.Requests.Enqueue(request);
            if (receiver._handlers.TryGetValue(request.Path, out var handler))
            {
                await handler(ctx, request);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new TestReceiver(app, new Uri(address));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
