using Hookline.Cli;
using Hookline.Cli.Infrastructure;

return await HooklineCli.RunAsync(args, CliConsole.CreateSystem(), Environment.GetEnvironmentVariable);
