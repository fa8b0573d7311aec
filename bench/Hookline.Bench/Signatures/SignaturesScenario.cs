using BenchmarkDotNet.Running;

namespace Hookline.Bench.Signatures;

internal static class SignaturesScenario
{
    public static int Run(string[] args)
    {
        var summary = BenchmarkRunner.Run<SignaturesBenchmarks>(args: args);
        return summary.HasCriticalValidationErrors ? 1 : 0;
    }
}
