using Hookline.Samples.Receiver;

var builder = WebApplication.CreateBuilder(args);

// The inbox: SQLite by default (Receiver:StorageProvider=postgres and a connection string for PostgreSQL).
builder.Services.AddHooklineReceiver(builder.Configuration.GetSection("Receiver"));
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
