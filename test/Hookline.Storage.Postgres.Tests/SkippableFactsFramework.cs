using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Hookline.Storage.Postgres.Tests.SkippableFactsFramework", "Hookline.Storage.Postgres.Tests")]

namespace Hookline.Storage.Postgres.Tests;

/// <summary>
/// Lets every <c>[Fact]</c> in this assembly — the inherited compliance suite's included — report
/// "skipped" when it throws <see cref="SkipException"/>, as <c>[SkippableFact]</c> does. That is how
/// the tests skip without a PostgreSQL server on a developer machine; under <c>CI=true</c>
/// <see cref="PostgresTestDatabase"/> fails instead, so a missing server never passes silently.
/// Inherited tests listed in <see cref="PostgresStoreComplianceTests.NotApplicable"/> are reported
/// as skipped with the reason given there.
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

        protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
        {
            if (testMethod.TestClass.Class.Name == typeof(PostgresStoreComplianceTests).FullName
                && PostgresStoreComplianceTests.NotApplicable.TryGetValue(testMethod.Method.Name, out var reason))
            {
                var skipped = new XunitSkippedDataRowTestCase(DiagnosticMessageSink, TestMethodDisplay.ClassAndMethod, TestMethodDisplayOptions.None, testMethod, reason);
                return ReportDiscoveredTestCase(skipped, includeSourceInformation, messageBus);
            }
            return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
        }
    }
}
