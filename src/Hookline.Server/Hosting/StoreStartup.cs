using Hookline.Server.Configuration;

namespace Hookline.Server.Hosting;

/// <summary>
/// What can go wrong opening the store at start — a data directory the server cannot write, a
/// PostgreSQL server it cannot reach or that refuses it, a malformed connection string — said in
/// one line (see <see cref="StartupFailure"/>).
/// </summary>
internal static class StoreStartup
{
    /// <summary>
    /// Wraps the registered <typeparamref name="TStore"/> factory: the data directory is checked
    /// first, and failing to create the store is a <see cref="StartupProblemException"/>. The store
    /// is created when the host resolves its hosted services, before any of them starts.
    /// </summary>
    public static void Guard<TStore>(IServiceCollection services, HooklineServerOptions options)
        where TStore : class
    {
        var descriptor = services.Last(d => d.ServiceType == typeof(TStore));
        var create = descriptor.ImplementationFactory ?? throw new InvalidOperationException($"{typeof(TStore).Name} is expected to be registered with a factory.");
        services.Remove(descriptor);
        services.AddSingleton(sp =>
        {
            try
            {
                CheckDataDirectory(options);
                return (TStore)create(sp);
            }
            catch (Exception ex) when (IsStoreProblem(ex))
            {
                throw new StartupProblemException(Describe(options, ex), ex);
            }
        });
    }

    /// <summary>Whether an exception from opening or migrating the store is about the environment or the settings (not a bug).</summary>
    public static bool IsStoreProblem(Exception ex) =>
        ex is StartupProblemException or ArgumentException || StartupFailure.IsUnreachable(ex);

    public static string Describe(HooklineServerOptions options, Exception ex)
    {
        if (ex is StartupProblemException problem)
        {
            return problem.Message;
        }
        const string Key = "Hookline:Storage:ConnectionString";
        if (HooklineServerOptionsRules.IsPostgres(options.Storage.Provider))
        {
            var server = StartupFailure.PostgresServer(options.Storage.ConnectionString);
            if (ex is ArgumentException)
            {
                return StartupFailure.Line(Key, null, $"not a valid Npgsql connection string ({ex.Message.Split(" (Parameter", 2)[0]}). Write it like Host=db;Username=hookline;Password=…;Database=hookline.");
            }
            return ex is Npgsql.PostgresException or { InnerException: Npgsql.PostgresException }
                ? StartupFailure.Line(Key, null, $"PostgreSQL at {server} refused the connection: {StartupFailure.Reason(ex)}. Check Username, Password and Database.")
                : StartupFailure.Line(Key, null, $"PostgreSQL at {server} cannot be reached: {StartupFailure.Reason(ex)}. Check that PostgreSQL runs there and accepts connections, or correct Host and Port.");
        }
        return string.IsNullOrWhiteSpace(options.Storage.ConnectionString)
            ? StartupFailure.Line("Hookline:DataDirectory", options.DataDirectory,
                $"the SQLite database cannot be opened there ({StartupFailure.Reason(ex)}). Choose a folder this user can write, or fix its permissions.")
            : StartupFailure.Line(Key, null, $"the SQLite database cannot be opened ({StartupFailure.Reason(ex)}).");
    }

    /// <summary>The SQLite data directory exists (or can be made) and takes a file.</summary>
    private static void CheckDataDirectory(HooklineServerOptions options)
    {
        // An empty setting is the validator's to report (the store falls back to ./hookline-data meanwhile).
        if (!HooklineServerOptionsRules.IsSqlite(options.Storage.Provider) || !string.IsNullOrWhiteSpace(options.Storage.ConnectionString)
            || string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return;
        }
        try
        {
            var full = Path.GetFullPath(options.DataDirectory);
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".hookline-write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new StartupProblemException(StartupFailure.Line("Hookline:DataDirectory", options.DataDirectory,
                $"the server cannot write there ({StartupFailure.Reason(ex)}). Choose a folder this user can write, e.g. --Hookline:DataDirectory=$HOME/hookline-data, or fix its permissions."), ex);
        }
    }
}
