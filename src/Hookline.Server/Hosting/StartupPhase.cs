namespace Hookline.Server.Hosting;

/// <summary>
/// Whether the host has started. Until it has, the console does not show the host's and Kestrel's
/// own error logs of a failed start (with their stack traces): <see cref="StartupFailure"/> prints
/// one line instead. After the start they are shown as usual.
/// </summary>
internal sealed class StartupPhase
{
    /// <summary>The categories that log a failed start as an error with its stack trace.</summary>
    public static readonly string[] FailureLoggers = ["Microsoft.Extensions.Hosting.Internal.Host", "Microsoft.AspNetCore.Server.Kestrel"];

    private volatile bool _started;

    public bool Started => _started;

    public void MarkStarted() => _started = true;

    /// <summary>The console filter for <see cref="FailureLoggers"/>: warnings and up, errors only once started.</summary>
    public bool ConsoleShows(LogLevel level) => level >= LogLevel.Warning && (level < LogLevel.Error || _started);
}
