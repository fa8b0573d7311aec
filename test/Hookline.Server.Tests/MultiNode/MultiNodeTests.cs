namespace Hookline.Server.Tests.MultiNode;

/// <summary>
/// The multi-node tests start several server processes each; run one at a time so they do not
/// compete with each other for the machine's cores (they still run beside the other test classes).
/// </summary>
[CollectionDefinition(Name)]
public sealed class MultiNodeTests
{
    public const string Name = "multi-node";
}
