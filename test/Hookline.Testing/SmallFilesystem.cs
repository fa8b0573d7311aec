using System.Diagnostics;

namespace Hookline.Testing;

/// <summary>
/// A real, small filesystem for one test: a tmpfs of a fixed size mounted on a fresh directory
/// (<c>mount -t tmpfs -o size=…</c>, which needs root — the test machines and CI run as root). The
/// kernel answers ENOSPC when it is full, exactly as a full disk does, so what runs on it sees a
/// genuine full disk, not a simulation. There is no fallback: a machine that cannot mount makes the
/// test fail with the reason, never skip, so CI cannot pass without having filled a disk.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private const string FillerName = "filler.bin";

    private SmallFilesystem(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    public static SmallFilesystem Mount(int sizeMiB)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hookline-small-fs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeMiB}m,mode=0700", "tmpfs", path);
        if (exitCode != 0)
        {
            TemporaryDirectory.Delete(path);
            throw new InvalidOperationException(
                $"Cannot mount a {sizeMiB} MiB tmpfs on {path} (exit code {exitCode}: {output.Trim()}). This test needs a real small " +
                "filesystem to fill: run it as root on a machine (or a container with CAP_SYS_ADMIN) that allows mount.");
        }
        return new SmallFilesystem(path);
    }

    /// <summary>Bytes still free, as <c>df</c> would say.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>
    /// Takes every free byte with one file: large writes, then smaller ones, until the kernel
    /// answers ENOSPC even to a single page.
    /// </summary>
    public void Fill()
    {
        using var filler = new FileStream(System.IO.Path.Combine(Path, FillerName), FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var chunk = 1 << 20; chunk >= 512; chunk /= 2)
        {
            var bytes = new byte[chunk];
            while (true)
            {
                try
                {
                    filler.Write(bytes);
                }
                catch (IOException)
                {
                    // ENOSPC for this size; a failed write may leave a partial one, which is fine.
                    break;
                }
            }
        }
    }

    /// <summary>Gives the space taken by <see cref="Fill"/> back.</summary>
    public void Free() => File.Delete(System.IO.Path.Combine(Path, FillerName));

    public void Dispose()
    {
        // Lazy unmount: a file still open (a server being torn down) must not keep the mount alive.
        Run("umount", "-l", Path);
        TemporaryDirectory.Delete(Path);
    }

    private static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
