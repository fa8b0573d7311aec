using Hookline.Server;

var builder = WebApplication.CreateBuilder(args);
builder.AddHooklineServer();

var app = builder.Build();
app.MapHooklineServer();
app.Run();

// Exposed so tests can start the real host in-process on a loopback port.
public partial class Program;
