namespace VaeSharp.Tests.Cli;

/// <summary>Tests that redirect the process's console run one at a time in this collection.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}
