namespace Hookline.Console.Tests.Infrastructure;

/// <summary>
/// Screenshots of the Console for docs/console.md. They are written to docs/images when
/// <c>HOOKLINE_UPDATE_SCREENSHOTS=1</c> (so a test run never changes the repository by itself), else to a
/// temporary folder.
/// </summary>
public static class Screenshots
{
    public static string Directory { get; } =
        Environment.GetEnvironmentVariable("HOOKLINE_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(ServerProcess.RepositoryRoot, "docs", "images")
            : Path.Combine(Path.GetTempPath(), "hookline-console-screenshots");

    public static Task TakeAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        return page.ScreenshotAsync(new() { Path = Path.Combine(Directory, name + ".png"), FullPage = false });
    }
}
