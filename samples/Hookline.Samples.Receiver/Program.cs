using Hookline.Samples.Receiver;

var builder = WebApplication.CreateBuilder(args);

// The inbox: its options from configuration, its store from a store package — SQLite by default,
// PostgreSQL with Inbox:Provider=postgres (then Inbox:ConnectionString is an Npgsql connection string).
builder.Services.AddHooklineReceiver(builder.Configuration.GetSection("Receiver"));
var inbox = builder.Configuration["Inbox:ConnectionString"] ?? "Data Source=inbox.db";
if (builder.Configuration["Inbox:Provider"] is "postgres")
{
    builder.Services.AddHooklinePostgresInbox(inbox);
}
else
{
    builder.Services.AddHooklineSqliteInbox(inbox);
}
builder.Services.AddSingleton(new Ledger(builder.Configuration["Ledger:ConnectionString"] ?? "Data Source=ledger.db"));

var app = builder.Build();

app.MapWebhook("/webhooks/stripe", "stripe", o => o.Secret = app.Configuration["Stripe:WebhookSecret"])
   .Handle(StripeHandler.HandleAsync);
app.MapWebhook("/webhooks/github", "github", o => o.Secret = app.Configuration["GitHub:WebhookSecret"])
   .Handle<GitHubHandler>();

// Inspect and requeue dead letters. Unprotected, so only in Development here; in production put it
// behind your auth: app.MapWebhookInbox("/admin/inbox").RequireAuthorization("admin").
if (app.Environment.IsDevelopment())
{
    app.MapWebhookInbox("/admin/inbox");
}
app.MapGet("/ledger", (Ledger ledger, CancellationToken ct) => ledger.ListAsync(ct));

app.Run();
