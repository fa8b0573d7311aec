using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hookline.Cli.Infrastructure;

/// <summary>What <c>hookline login</c> saves: the server and the token.</summary>
internal sealed record SavedLogin(
    [property: JsonPropertyName("server")] string? Server,
    [property: JsonPropertyName("token")] string? Token);

/// <summary>
/// Where the server URL and token come from, first match wins: the option (<c>--server</c>,
/// <c>--token</c>), the environment (<c>HOOKLINE_SERVER</c>, <c>HOOKLINE_TOKEN</c>), the file
/// <c>hookline login</c> saved, then the default server <c>http://localhost:8071</c>.
/// </summary>
internal sealed class CliSettings
{
    public const string DefaultServer = "http://localhost:8071";
    public const string ServerVariable = "HOOKLINE_SERVER";
    public const string TokenVariable = "HOOKLINE_TOKEN";

    /// <summary>Overrides where the login file is kept (tests, or several profiles).</summary>
    public const string ConfigVariable = "HOOKLINE_CONFIG";

    private readonly Func<string, string?> _environment;

    public CliSettings(Func<string, string?> environment) => _environment = environment;

    public string? Environment(string name) => _environment(name) is { Length: > 0 } value ? value : null;

    /// <summary><c>$HOOKLINE_CONFIG</c>, else <c>$XDG_CONFIG_HOME/hookline/config.json</c>, else <c>~/.config/hookline/config.json</c>.</summary>
    public string ConfigPath
    {
        get
        {
            if (Environment(ConfigVariable) is { } explicitPath)
            {
                return Path.GetFullPath(explicitPath);
            }
            var root = Environment("XDG_CONFIG_HOME")
                ?? Path.Combine(Environment("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".config");
            return Path.Combine(root, "hookline", "config.json");
        }
    }

    public SavedLogin? ReadLogin()
    {
        var path = ConfigPath;
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<SavedLogin>(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {ex.Message} (run 'hookline login' again, or delete it)", ExitCodes.Usage);
        }
    }

    /// <summary>Writes the login file readable by its owner only (0600, folder 0700), never briefly readable by others.</summary>
    public string SaveLogin(SavedLogin login)
    {
        var path = ConfigPath;
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, JsonSerializer.Serialize(login));
            return path;
        }
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, login);
        }
        File.Move(temporary, path, overwrite: true);
        // An existing file keeps its mode through the rename of the new one; set it anyway.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public bool DeleteLogin()
    {
        var path = ConfigPath;
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    public string ResolveServer(string? option)
    {
        var server = option ?? Environment(ServerVariable) ?? ReadLogin()?.Server ?? DefaultServer;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw CliException.Usage($"the server URL '{server}' is not an http:// or https:// URL (--server or {ServerVariable})");
        }
        return server.TrimEnd('/');
    }

    public string? ResolveToken(string? option) => option ?? Environment(TokenVariable) ?? ReadLogin()?.Token;
}
