using Hookline.Receiver.AspNetCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// Settings (command line): --CrashApp:Directory=<folder for the database and the marker files>,
// --CrashApp:Secret=<whsec_…>, --CrashApp:RunWorker=true|false.
// The handler appends "<deliveryId> <attempt> <pid>" to started.log, blocks until a file named
// "release" exists, then appends the same line to done.log.
var builder = WebApplication.CreateBuilder(args);
var directory = builder.Configuration["CrashApp:Directory"] ?? throw new InvalidOperationException("--CrashApp:Directory is required");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddHooklineReceiver(o =>
{
    o.HandlerTimeout = TimeSpan.FromSeconds(4);
    o.LeaseDuration = TimeSpan.FromSeconds(5);
    o.PollInterval = TimeSpan.FromMilliseconds(200);
    o.RunWorker = builder.Configuration.GetValue("CrashApp:RunWorker", true);
}).AddHooklineSqliteInbox("Data Source=" + Path.Combine(directory, "inbox.db"));

var app = builder.Build();
app.MapWebhook("/webhooks/svix", "svix", o => o.Secret = app.Configuration["CrashApp:Secret"])
    .Handle(async (WebhookEvent e, CancellationToken ct) =>
    {
        var line = $"{e.DeliveryId} {e.Attempt} {Environment.ProcessId}\n";
        await File.AppendAllTextAsync(Path.Combine(directory, "started.log"), line, ct);
        while (!File.Exists(Path.Combine(directory, "release")))
        {
            await Task.Delay(50, ct);
        }
        await File.AppendAllTextAsync(Path.Combine(directory, "done.log"), line, ct);
    });

app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine("LISTENING " + app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
await app.RunAsync();
