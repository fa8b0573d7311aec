using System.CommandLine;
using Hookline.Cli.Infrastructure;
using Spectre.Console;

namespace Hookline.Cli.Commands;

/// <summary><c>hookline login</c> and <c>hookline logout</c>.</summary>
internal static class LoginCommands
{
    public static Command Login(CliContext context)
    {
        var command = new Command("login", "Check a server URL and token and save them (readable by you only) for later commands.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = context.Settings;
            var server = settings.ResolveServer(parse.GetValue(context.Server));
            var token = parse.GetValue(context.Token) ?? settings.Environment(CliSettings.TokenVariable);
            if (token is null)
            {
                if (!context.Console.Out.Profile.Capabilities.Interactive)
                {
                    throw CliException.Usage($"no token: pass --token or set {CliSettings.TokenVariable}");
                }
                token = await context.Console.Out.PromptAsync(new TextPrompt<string>($"Token for {Markup.Escape(server)}:").Secret(), cancellationToken);
            }
            using var api = new HooklineApi(server, token.Trim());
            // Any authenticated read tells whether the token works; an application token sees its own app only.
            await api.GetAsync("api/v1/app?limit=1", cancellationToken);
            var path = settings.SaveLogin(new SavedLogin(server, token.Trim()));
            context.Console.WriteLine($"Logged in to {server}; saved to {path} (readable by you only).");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Logout(CliContext context)
    {
        var command = new Command("logout", "Forget the saved server URL and token.");
        command.SetAction(_ =>
        {
            var path = context.Settings.ConfigPath;
            context.Console.WriteLine(context.Settings.DeleteLogin() ? $"Removed {path}." : $"Not logged in ({path} does not exist).");
            return ExitCodes.Ok;
        });
        return command;
    }
}
