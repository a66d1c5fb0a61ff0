using System.CommandLine;
using System.Globalization;
using VaeSharp.Data;

namespace VaeSharp.Cli;

/// <summary>
/// Options for a user's own data (<c>--dataset PATH</c>): <c>--format</c>, <c>--scale</c>, <c>--test-fraction</c>,
/// <c>--test-dataset</c>, <c>--image-size</c>. The CLI only parses them; <see cref="UserDataset"/> does the work.
/// </summary>
internal sealed class DataOptions
{
    public Option<string?> Format { get; } = new("--format")
    {
        Description = "Format of a --dataset PATH: " + string.Join(", ", UserDataset.FormatNames) + " (default: from the file's first bytes or extension).",
    };

    public Option<string> Scale { get; } = new("--scale")
    {
        Description = "How a --dataset PATH's values are brought into [0, 1]: auto (none if already there, ÷255 for whole numbers in 0..255, else min–max), none, 255, minmax.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<double> TestFraction { get; } = new("--test-fraction")
    {
        Description = "Fraction of a --dataset PATH held out (seeded by --seed) as the test split, when --test-dataset is not given.",
        DefaultValueFactory = _ => 0.1,
    };

    public Option<string?> TestDataset { get; } = new("--test-dataset")
    {
        Description = "A separate test file or folder for --dataset PATH (same format and size).",
    };

    public Option<string?> ImageSize { get; } = new("--image-size")
    {
        Description = "WIDTHxHEIGHT of the pictures for data stored as N×D rows (default: square when D is a square, else one row).",
    };

    public Option<string?> Variable { get; } = new("--variable")
    {
        Description = "For a MAT-file: the variable to read (default: the file's only numeric variable).",
    };

    public Option<int?> Labels { get; } = new("--labels")
    {
        Description = "For a text file: the zero-based column holding each row's class label (-1: the last column).",
    };

    public Option<bool> Transpose { get; } = new("--transpose")
    {
        Description = "Take the matrix's columns as the samples (MATLAB files often store one sample per column).",
    };

    public DataOptions()
    {
        Scale.AcceptOnlyFromAmong("auto", "none", "255", "minmax");
    }

    public IEnumerable<Option> All => [Format, Scale, TestFraction, TestDataset, ImageSize, Variable, Labels, Transpose];

    /// <summary>Whether the user gave any of these options explicitly.</summary>
    public IEnumerable<Option> Given(ParseResult pr) => All.Where(o => pr.GetResult(o) is { Implicit: false });

    public UserDataOptions Build(ParseResult pr, ulong seed) => new()
    {
        Format = pr.GetValue(Format) is { } f ? UserDataset.ParseFormat(f) : null,
        Scaling = UserDataset.ParseScaling(pr.GetValue(Scale)!),
        TestFraction = pr.GetValue(TestFraction),
        TestPath = pr.GetValue(TestDataset),
        SplitSeed = seed,
        ImageSize = pr.GetValue(ImageSize) is { } s ? ParseSize(s) : null,
        Variable = pr.GetValue(Variable),
        LabelColumn = pr.GetValue(Labels),
        Transpose = pr.GetValue(Transpose),
    };

    private static (int, int) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x', '×');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && w > 0 && h > 0)
            return (w, h);
        throw new ArgumentException($"--image-size takes WIDTHxHEIGHT with positive whole numbers, like 20x28 (got '{text}').");
    }

    /// <summary>Whether a --dataset value names a catalog dataset (else it is a path).</summary>
    public static bool IsCatalogName(string value) =>
        DatasetCatalog.Names.Contains(value.Trim().ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>Checks a --dataset value: a catalog name or an existing file or folder.</summary>
    public static void Validate(System.CommandLine.Parsing.OptionResult result)
    {
        if (result.Tokens.Count == 0) return;
        string v = result.Tokens[^1].Value;
        if (IsCatalogName(v) || File.Exists(v) || Directory.Exists(v)) return;
        result.AddError($"--dataset '{v}' is neither a known dataset ({string.Join(", ", DatasetCatalog.Names)}) nor an existing file or folder.");
    }
}

/// <summary>Finds a model's data again: a catalog name, or the user data recorded in the run folder.</summary>
internal static class ModelData
{
    /// <summary>
    /// The <paramref name="split"/> (train or test) of the data a model in <paramref name="modelDir"/> was trained on, or of
    /// <paramref name="overrideDataset"/> (a name or a path) when given.
    /// </summary>
    public static Dataset Load(string modelDir, VaeSharp.IO.TrainingState state, string? overrideDataset, string split, string? dataDir)
    {
        var recorded = UserDataSource.TryLoad(modelDir);
        string wanted = overrideDataset ?? state.Dataset;
        if (DataOptions.IsCatalogName(wanted)) return CommonOptions.Load(wanted, split, dataDir);
        (Dataset Train, Dataset Test) pair;
        if (recorded is not null && (overrideDataset is null || SamePath(overrideDataset, recorded.Path)))
            pair = UserDataset.Load(recorded);
        else if (recorded is not null)
            pair = UserDataset.Load(recorded with
            {
                Path = Path.GetFullPath(wanted), Format = UserDataset.FormatName(UserDataset.DetectFormat(wanted)),
                TestPath = null, TestFingerprint = null, TestFraction = recorded.TestFraction > 0 ? recorded.TestFraction : 0.1,
            }, checkFingerprint: false);
        else
        {
            if (overrideDataset is null && !File.Exists(wanted) && !Directory.Exists(wanted))
                throw new FileNotFoundException($"{modelDir} was trained on {wanted}, which no longer exists, and has no {UserDataSource.FileName}; pass --dataset.");
            var d = UserDataset.Load(wanted, new UserDataOptions { SplitSeed = state.Seed });
            pair = (d.Train, d.Test);
        }
        return split == "train" ? pair.Train : pair.Test;
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);
}

/// <summary><c>--connect-timeout</c> and <c>--read-timeout</c> (seconds) for downloads of named data sets.</summary>
internal sealed class DownloadCliOptions
{
    public Option<double> ConnectTimeout { get; } = new("--connect-timeout")
    {
        Description = "Seconds to wait for a connection to a download mirror.",
        DefaultValueFactory = _ => new DownloadOptions().ConnectTimeout.TotalSeconds,
    };

    public Option<double> ReadTimeout { get; } = new("--read-timeout")
    {
        Description = "Seconds a download may stall before it is abandoned (its bytes are kept and resumed).",
        DefaultValueFactory = _ => new DownloadOptions().ReadTimeout.TotalSeconds,
    };

    public IEnumerable<Option> All => [ConnectTimeout, ReadTimeout];

    public DatasetDownloader Build(ParseResult pr)
    {
        double c = pr.GetValue(ConnectTimeout), r = pr.GetValue(ReadTimeout);
        if (!(c > 0 && c <= 3600)) throw new ArgumentException($"--connect-timeout must be between 0 and 3600 seconds (got {c.ToString(CultureInfo.InvariantCulture)}).");
        if (!(r > 0 && r <= 3600)) throw new ArgumentException($"--read-timeout must be between 0 and 3600 seconds (got {r.ToString(CultureInfo.InvariantCulture)}).");
        return new DatasetDownloader(options: new DownloadOptions { ConnectTimeout = TimeSpan.FromSeconds(c), ReadTimeout = TimeSpan.FromSeconds(r) });
    }
}
