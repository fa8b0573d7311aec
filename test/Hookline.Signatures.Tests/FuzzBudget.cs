using System.Globalization;

namespace Hookline.Signatures.Tests;

/// <summary>
/// How many inputs each fuzz test tries. The normal run uses the small default each test names, so
/// the suite stays fast; <c>HOOKLINE_FUZZ_ITERATIONS=1000000</c> is the long mode, which runs every
/// fuzz test for that many inputs per verifier (see docs/security.md for a recorded run).
/// </summary>
internal static class FuzzBudget
{
    public const string Variable = "HOOKLINE_FUZZ_ITERATIONS";

    public static long Iterations(long normal) =>
        long.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var requested) && requested > 0
            ? requested
            : normal;

    /// <summary>Whether the long mode was asked for (for generators that keep their costliest cases rare then).</summary>
    public static bool IsLong => Iterations(0) > 0;
}
