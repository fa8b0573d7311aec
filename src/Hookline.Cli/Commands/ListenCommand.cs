using System.CommandLine;

namespace Hookline.Cli.Commands;

internal static class ListenCommand
{
    public static Command Create(CliContext context) => new("listen", "Relay webhooks to a local URL (not yet implemented).");
}
