namespace VaeSharp.Data;

/// <summary>
/// A data file is malformed: wrong magic number, unsupported element type, truncated header or payload,
/// or sizes that disagree. The message names the file and the exact problem.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="sourcePath"/> with a description of <paramref name="problem"/>.</summary>
    /// <param name="sourcePath">The file (or resource) that is malformed.</param>
    /// <param name="problem">What is wrong with it, in one sentence.</param>
    /// <param name="inner">The underlying error, if any (for example a gzip decoding failure).</param>
    public DataFormatException(string sourcePath, string problem, Exception? inner = null)
        : base($"{sourcePath}: {problem}", inner)
    {
        SourcePath = sourcePath;
        Problem = problem;
    }

    /// <summary>The file or resource that is malformed.</summary>
    public string SourcePath { get; }

    /// <summary>The problem, without the file name.</summary>
    public string Problem { get; }
}
