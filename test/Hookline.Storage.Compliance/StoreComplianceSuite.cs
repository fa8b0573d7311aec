namespace Hookline.Storage.Compliance;

/// <summary>
/// The store contract, tested once and run against every store. Each store's test project
/// subclasses this and provides a fresh, isolated store per test.
/// </summary>
public abstract class StoreComplianceSuite
{
}
