namespace Hookline.Server.Tests.Infrastructure;

/// <summary>
/// A fact that needs the PostgreSQL server from <c>HOOKLINE_TEST_POSTGRES</c> (<c>scripts/test.sh</c>
/// starts one). Without it the test is reported skipped — except under <c>CI=true</c>, where it runs
/// and fails, so a missing server never passes silently.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = PostgresTestDatabase.Variable;

    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"{Variable} is not set (scripts/test.sh starts PostgreSQL and sets it).";
        }
    }

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable);

    /// <summary>The server's connection string, or a clear failure (under CI) when there is none.</summary>
    public static string RequireConnectionString() =>
        ConnectionString is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Variable} is not set; under CI=true the PostgreSQL tests need a server (scripts/test.sh starts one).");
}
