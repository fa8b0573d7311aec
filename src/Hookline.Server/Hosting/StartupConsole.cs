namespace Hookline.Server.Hosting;

/// <summary>
/// Where start-up announcements go (listen address, data directory, a generated admin token): standard
/// output, deliberately not the logger, so the one-time token is never filtered by log levels.
/// Tests substitute a writer to read what was printed.
/// </summary>
internal sealed class StartupConsole(TextWriter writer)
{
    public TextWriter Writer { get; } = writer;

    public void WriteLine(string line)
    {
        lock (Writer)
        {
            Writer.WriteLine(line);
            Writer.Flush();
        }
    }
}
