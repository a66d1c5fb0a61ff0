namespace VaeSharp.Data;

/// <summary>What <see cref="DatasetCatalog.Load"/> should load, and where it may look.</summary>
public sealed record DatasetRequest
{
    /// <summary>A name from <see cref="DatasetCatalog.Names"/>; case-insensitive. Defaults to the bundled sample.</summary>
    public string Name { get; init; } = DatasetCatalog.DefaultName;

    /// <summary><c>train</c> or <c>test</c>.</summary>
    public string Split { get; init; } = "train";

    /// <summary>
    /// A folder holding the dataset's files under their standard names (<c>.gz</c> or not). When set, it is the only
    /// place looked at: missing files are an error, never a silent fallback. Ignored for the bundled sample.
    /// </summary>
    public string? DataDir { get; init; }

    /// <summary>The cache root (files go to ROOT/NAME/); <see cref="DatasetCatalog.DefaultCacheRoot"/> when <see langword="null"/>.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Whether missing files may be downloaded into the cache.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>Whether system-wide installs (Debian's <c>dataset-fashion-mnist</c>) are looked at.</summary>
    public bool UseSystemLocations { get; init; } = true;

    /// <summary>Receives download progress, or <see langword="null"/>.</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>The downloader to use (for other mirrors or another HTTP client); the default sources when <see langword="null"/>.</summary>
    public DatasetDownloader? Downloader { get; init; }
}
