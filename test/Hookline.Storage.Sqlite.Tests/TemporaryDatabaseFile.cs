namespace Hookline.Storage.Sqlite.Tests;

/// <summary>A database file path of its own in the temp folder, removed (with its WAL and shared-memory files) on dispose.</summary>
internal sealed class TemporaryDatabaseFile : IDisposable
{
    private static readonly string Folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hookline-store-tests");

    public TemporaryDatabaseFile()
    {
        Directory.CreateDirectory(Folder);
        Path = System.IO.Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".db");
    }

    public string Path { get; }

    public string ConnectionString => "Data Source=" + Path;

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            try
            {
                File.Delete(Path + suffix);
            }
            catch (IOException)
            {
                // A file still held open is left to the temp folder's cleaner; the test result stands.
            }
        }
    }
}
