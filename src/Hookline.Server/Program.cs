using Hookline.Server;

// The content root is the application's own folder, not the working directory: configuration files
// are watched for changes recursively under the content root, and the data directory (relative to
// the working directory by default) would otherwise be watched too — every database write an event.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddHooklineServer();

var app = builder.Build();
app.MapHooklineServer();
app.Run();

// Exposed so tests can start the real host in-process on a loopback port.
public partial class Program;
