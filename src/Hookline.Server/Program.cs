using Hookline.Server;
using Hookline.Server.Hosting;

IConfiguration? configuration = null;
try
{
    // The content root is the application's own folder, not the working directory: configuration files
    // are watched for changes recursively under the content root, and the data directory (relative to
    // the working directory by default) would otherwise be watched too — every database write an event.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    configuration = builder.Configuration;
    builder.AddHooklineServer();

    var app = builder.Build();
    app.MapHooklineServer();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (StartupFailure.Describe(ex, configuration) is { } line)
{
    // A configuration mistake: one line saying which key, which value and what to do, no stack trace.
    await Console.Error.WriteLineAsync(line);
    return 1;
}

// Exposed so tests can start the real host in-process on a loopback port.
public partial class Program;
