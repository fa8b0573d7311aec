using System.Globalization;
using System.Text.RegularExpressions;

namespace Hookline.Server.Hosting;

/// <summary>
/// Checks <c>--urls</c> before Kestrel sees it. Kestrel reads some mistakes generously:
/// <c>http://127.0.0.1:abc</c> becomes "every address, port 80" instead of an error.
/// </summary>
internal static partial class ListenUrls
{
    /// <exception cref="StartupProblemException">An address is not <c>http(s)://host[:port]</c>.</exception>
    public static void Check(string? urls)
    {
        if (string.IsNullOrWhiteSpace(urls))
        {
            return;
        }
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (UnixSocket().IsMatch(url))
            {
                continue;
            }
            var match = Address().Match(url);
            if (!match.Success
                || (match.Groups["port"].Success && (!int.TryParse(match.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)))
            {
                throw new StartupProblemException(StartupFailure.Line("--urls", url,
                    "is not a listen address; write it like http://localhost:8071, http://0.0.0.0:8071 or http://+:8071 (several separated by ';')."));
            }
        }
    }

    [GeneratedRegex(@"^https?://(\[[0-9A-Fa-f:.%a-z]+\]|[A-Za-z0-9.*+_-]+)(:(?<port>[^/]*))?/?$", RegexOptions.IgnoreCase)]
    private static partial Regex Address();

    [GeneratedRegex(@"^https?://unix:/", RegexOptions.IgnoreCase)]
    private static partial Regex UnixSocket();
}
