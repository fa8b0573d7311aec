namespace Hookline.Testing;

/// <summary>A fresh directory under the system temp folder for one test, deleted (best effort) on dispose, whether the test passed or not.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    private TemporaryDirectory(string path) => Path = path;

    public string Path { get; }

    /// <param name="purpose">The folder under the temp folder that groups these directories, e.g. <c>hookline-crash</c>.</param>
    public static TemporaryDirectory Create(string purpose)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), purpose, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return new TemporaryDirectory(path);
    }

    public void Dispose() => Delete(Path);

    /// <summary>Deletes <paramref name="directory"/> and everything in it, if it can.</summary>
    public static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Gone already, or a file still held open (a killed child process's); the OS cleans the temp folder.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
