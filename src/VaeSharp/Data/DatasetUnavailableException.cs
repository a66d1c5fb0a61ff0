namespace VaeSharp.Data;

/// <summary>
/// A dataset could not be found locally and could not be downloaded (or downloads were not allowed).
/// The message says which files are needed and where to put them.
/// </summary>
public sealed class DatasetUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="datasetName">The catalog name of the dataset, e.g. <c>mnist</c>.</param>
    /// <param name="requiredFiles">The standard file names that are needed.</param>
    /// <param name="message">The full, actionable message.</param>
    /// <param name="attempts">One line per failed download attempt (mirror and reason); empty when nothing was tried.</param>
    /// <param name="inner">The last underlying error, if any.</param>
    public DatasetUnavailableException(string datasetName, IReadOnlyList<string> requiredFiles, string message,
        IReadOnlyList<string>? attempts = null, Exception? inner = null)
        : base(message, inner)
    {
        DatasetName = datasetName;
        RequiredFiles = requiredFiles;
        Attempts = attempts ?? [];
    }

    /// <summary>The catalog name of the dataset.</summary>
    public string DatasetName { get; }

    /// <summary>The standard file names that are needed (each may also be given uncompressed, without <c>.gz</c>).</summary>
    public IReadOnlyList<string> RequiredFiles { get; }

    /// <summary>The failed download attempts, one line each (URL and reason).</summary>
    public IReadOnlyList<string> Attempts { get; }
}
