using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Hookline.Storage.Postgres.Tests.SkippableFactsFramework", "Hookline.Storage.Postgres.Tests")]

namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// Lets every <c>[Fact]</c> in this assembly — the inherited compliance suite's included — report
/// "skipped" when it throws <see cref="SkipException"/>, as <c>[SkippableFact]</c> does. That is how
/// the tests skip without a PostgreSQL server on a developer machine; under <c>CI=true</c>
/// <see cref="PostgresTestDatabase"/> fails instead, so a missing server never passes silently.
/// </summary>
public sealed class SkippableFactsFramework : XunitTestFramework
{
    public SkippableFactsFramework(IMessageSink messageSink)
        : base(messageSink)
    {
    }

    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new Discoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Discoverer : XunitTestFrameworkDiscoverer
    {
        public Discoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
            : base(assemblyInfo, sourceProvider, diagnosticMessageSink)
        {
            DiscovererTypeCache[typeof(FactAttribute)] = typeof(SkippableFactDiscoverer);
        }
    }
}
