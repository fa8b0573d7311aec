using System.CommandLine;
using Hookline.Cli.Commands;
using Hookline.Cli.Infrastructure;

namespace Hookline.Cli;

/// <summary>What every command gets: where to write, where settings come from, and the global options.</summary>
internal sealed class CliContext
{
    public CliContext(CliConsole console, CliSettings settings)
    {
        Console = console;
        Settings = settings;
    }

    public CliConsole Console { get; }

    public CliSettings Settings { get; }

    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"The Hookline server [env: {CliSettings.ServerVariable}; default: {CliSettings.DefaultServer}]",
        Recursive = true,
        HelpName = "url",
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"The API token (the admin token, or an application's) [env: {CliSettings.TokenVariable}]",
        Recursive = true,
        HelpName = "token",
    };

    /// <summary>A client for the server and token the command line, environment and login file name.</summary>
    public HooklineApi CreateApi(ParseResult parse) =>
        new(Settings.ResolveServer(parse.GetValue(Server)), Settings.ResolveToken(parse.GetValue(Token)));
}

/// <summary>The <c>hookline</c> command line.</summary>
internal static class HooklineCli
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("hookline — work with a Hookline webhook server from the terminal.");
        root.Options.Add(context.Server);
        root.Options.Add(context.Token);
        root.Subcommands.Add(LoginCommands.Login(context));
        root.Subcommands.Add(LoginCommands.Logout(context));
        root.Subcommands.Add(ListenCommand.Create(context));
        root.Subcommands.Add(TriggerCommand.Create(context));
        root.Subcommands.Add(VerifyCommand.Create(context));
        root.Subcommands.Add(SignCommand.Create(context));
        root.Subcommands.Add(ReplayCommand.Create(context));
        foreach (var command in ReadCommands.Create(context))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses and runs; every error is one line on stderr and a documented exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(console, new CliSettings(environment));
        var root = Build(context);
        // No response files: '@file' is how --body and --payload name a file, and must reach them as is.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.WriteError(error.Message);
            }
            console.Error.Profile.Out.Writer.WriteLine("Run 'hookline --help' (or 'hookline <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out.Profile.Out.Writer,
                Error = console.Error.Profile.Out.Writer,
                // Exceptions are turned into one line below, never a stack trace.
                EnableDefaultExceptionHandler = false,
                // Ctrl+C and SIGTERM cancel the command, which then has this long to clean up
                // (listen closes its connection so the server removes the relay endpoint).
                ProcessTerminationTimeout = TimeSpan.FromSeconds(5),
            }, cancellationToken);
        }
        catch (CliException ex)
        {
            console.WriteError(ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            console.WriteError(ex.Message);
            return ExitCodes.Usage;
        }
    }
}
