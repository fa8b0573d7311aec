namespace Hookline.Cli.Infrastructure;

/// <summary>The exit codes of <c>hookline</c> (docs/cli.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>Done; for <c>verify</c>, the signature is valid.</summary>
    public const int Ok = 0;

    /// <summary><c>verify</c>: the request is not valid. <c>replay</c>: the server's task failed.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong (unknown option, missing value, a file that cannot be read, bad JSON).</summary>
    public const int Usage = 2;

    /// <summary>The server cannot be reached (refused, name not found, timed out).</summary>
    public const int Unreachable = 3;

    /// <summary>The server refused the token (401) or the token may not do this (403).</summary>
    public const int Unauthorized = 4;

    /// <summary>The server answered 404: the app, endpoint, message, … does not exist.</summary>
    public const int NotFound = 5;

    /// <summary>The server refused the request otherwise (409, 413, 422, …) or failed (5xx).</summary>
    public const int ApiError = 6;

    /// <summary>Interrupted (Ctrl+C) before the command finished.</summary>
    public const int Interrupted = 130;
}

/// <summary>An error to print as one line, and the exit code to end with.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException()
        : this("error", ExitCodes.Failed)
    {
    }

    public CliException(string message)
        : this(message, ExitCodes.Failed)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Failed;
    }

    public int ExitCode { get; }

    public static CliException Usage(string message) => new(message, ExitCodes.Usage);
}
