using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using VaeSharp.Numerics;

namespace VaeSharp.Data;

/// <summary>The file formats that <see cref="UserDataset"/> reads.</summary>
public enum DataFileFormat
{
    /// <summary>NumPy <c>.npy</c> (see <see cref="NpyReader"/>).</summary>
    Npy,
    /// <summary>A folder of PNG images, one sub-folder per class or none (see <see cref="PngFolderReader"/>).</summary>
    PngFolder,
    /// <summary>An IDX image file (MNIST's format; raw or gzip), with its labels file when one sits beside it.</summary>
    Idx,
    /// <summary>Comma-separated numbers, one row per line (see <see cref="TextMatrixReader"/>).</summary>
    Csv,
    /// <summary>Tab-separated numbers.</summary>
    Tsv,
    /// <summary>Numbers separated by whitespace (or a delimiter detected from the first line).</summary>
    Txt,
    /// <summary>A MATLAB level 5 MAT-file (see <see cref="MatReader"/>).</summary>
    Mat,
}

/// <summary>How raw values are mapped into [0, 1], the range every <see cref="Dataset"/> holds.</summary>
public enum FeatureScaling
{
    /// <summary>Chosen from the training data: none when already in [0, 1], ÷255 for whole numbers in [0, 255], else min–max.</summary>
    Auto,
    /// <summary>Values are kept; they must already lie in [0, 1].</summary>
    None,
    /// <summary>Values are divided by 255 (8-bit pixels); they must lie in [0, 255].</summary>
    Divide255,
    /// <summary>(x − min) / (max − min) with min and max of the training data; test values outside are clamped.</summary>
    MinMax,
}

/// <summary>How to read a user's data file or folder (<c>vae train --dataset PATH</c>).</summary>
public sealed record UserDataOptions
{
    /// <summary>The format, or <see langword="null"/> to detect it from the magic bytes, the extension or the folder.</summary>
    public DataFileFormat? Format { get; init; }

    /// <summary>How values are brought into [0, 1].</summary>
    public FeatureScaling Scaling { get; init; } = FeatureScaling.Auto;

    /// <summary>The fraction of rows held out as the test split when <see cref="TestPath"/> is not given; in (0, 1).</summary>
    public double TestFraction { get; init; } = 0.1;

    /// <summary>Seed of the permutation that picks the test rows.</summary>
    public ulong SplitSeed { get; init; } = 1;

    /// <summary>A separate test file or folder (same format and size); then nothing is held out of the main file.</summary>
    public string? TestPath { get; init; }

    /// <summary>Picture size for data stored as N×D rows (D = width × height); <see langword="null"/>: a square when D is
    /// a square number, else one row of D pixels. Ignored for data that carries its own H×W.</summary>
    public (int Width, int Height)? ImageSize { get; init; }

    /// <summary>For a MAT-file: the variable to read (<see langword="null"/>: the file's only numeric one).</summary>
    public string? Variable { get; init; }

    /// <summary>For text: the zero-based column holding each row's label (negative counts from the end), or <see langword="null"/>.</summary>
    public int? LabelColumn { get; init; }

    /// <summary>Whether the matrix's columns are the samples (MATLAB files often store one sample per column).</summary>
    public bool Transpose { get; init; }
}

/// <summary>
/// Where a run's data came from and exactly how it was read, split and scaled, so that <c>vae eval</c> and
/// <c>vae train --resume</c> rebuild the same training and test rows. Saved as <see cref="FileName"/> in the run folder.
/// </summary>
public sealed record UserDataSource
{
    /// <summary>The file name in a run folder.</summary>
    public const string FileName = "data-source.json";

    /// <summary>Absolute path of the data file or folder.</summary>
    public string Path { get; init; } = "";
    /// <summary>The format that was read (npy, png-folder, idx).</summary>
    public string Format { get; init; } = "";
    /// <summary>SHA-256 over the data's bytes (for a folder: over each file's relative name and bytes, in order).</summary>
    public string Fingerprint { get; init; } = "";
    /// <summary>Absolute path of the separate test file, if one was given.</summary>
    public string? TestPath { get; init; }
    /// <summary>Fingerprint of <see cref="TestPath"/>.</summary>
    public string? TestFingerprint { get; init; }
    /// <summary>Fraction held out when there is no test file.</summary>
    public double TestFraction { get; init; }
    /// <summary>Seed of the split.</summary>
    public ulong SplitSeed { get; init; }
    /// <summary>The scaling applied after <c>auto</c> was resolved: none, divide255 or minmax.</summary>
    public FeatureScaling Scaling { get; init; }
    /// <summary>The minimum used by min–max scaling.</summary>
    public double Min { get; init; }
    /// <summary>The maximum used by min–max scaling.</summary>
    public double Max { get; init; }
    /// <summary>Picture width.</summary>
    public int ImageWidth { get; init; }
    /// <summary>Picture height.</summary>
    public int ImageHeight { get; init; }
    /// <summary>The MAT-file variable read, if any.</summary>
    public string? Variable { get; init; }
    /// <summary>The text label column, if any.</summary>
    public int? LabelColumn { get; init; }
    /// <summary>Whether columns were taken as samples.</summary>
    public bool Transpose { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Writes this record as <see cref="FileName"/> into <paramref name="directory"/> (atomically).</summary>
    /// <param name="directory">The run folder.</param>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        Imaging.AtomicFile.WriteText(System.IO.Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json) + "\n");
    }

    /// <summary>Reads <see cref="FileName"/> from a run folder, or returns <see langword="null"/> when the run used a named dataset.</summary>
    /// <param name="directory">The run folder.</param>
    /// <exception cref="InvalidDataException">The file exists but is malformed.</exception>
    public static UserDataSource? TryLoad(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        UserDataSource? s;
        try { s = JsonSerializer.Deserialize<UserDataSource>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid data-source file ({IO.ModelFile.JsonProblem(e)}).", e); }
        if (s is null || s.Path.Length == 0 || s.ImageWidth <= 0 || s.ImageHeight <= 0 || s.Scaling == FeatureScaling.Auto
            || !(s.TestPath is not null || (s.TestFraction > 0 && s.TestFraction < 1))
            || (s.Scaling == FeatureScaling.MinMax && !(double.IsFinite(s.Min) && double.IsFinite(s.Max) && s.Max > s.Min)))
            throw new InvalidDataException($"{path}: incomplete or inconsistent data-source file.");
        return s;
    }
}

/// <summary>A user's data, split and scaled.</summary>
/// <param name="Train">The training rows, in [0, 1].</param>
/// <param name="Test">The test rows, in [0, 1].</param>
/// <param name="Source">How to read it again (saved in the run folder).</param>
/// <param name="Report">One line saying what was read and which scaling was chosen, and why.</param>
public sealed record UserData(Dataset Train, Dataset Test, UserDataSource Source, string Report);

/// <summary>
/// Loads a user's data file or folder into training and test <see cref="Dataset"/>s: detects the format, reads it with
/// the matching reader, scales values into [0, 1], and holds out a seeded fraction as the test split (or reads a
/// separate test file).
/// </summary>
public static class UserDataset
{
    /// <summary>Stream of <see cref="Rng.ForStream"/> used for the test split permutation.</summary>
    public const ulong SplitStream = 200;

    /// <summary>Parses a format name as the command line spells it: npy, png-folder, idx.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static DataFileFormat ParseFormat(string name) => name.Trim().ToLowerInvariant() switch
    {
        "npy" => DataFileFormat.Npy,
        "idx" => DataFileFormat.Idx,
        "png-folder" or "png" => DataFileFormat.PngFolder,
        "csv" => DataFileFormat.Csv,
        "tsv" => DataFileFormat.Tsv,
        "txt" or "text" => DataFileFormat.Txt,
        "mat" => DataFileFormat.Mat,
        _ => throw new ArgumentException($"Unknown data format '{name}'. Known formats: {string.Join(", ", FormatNames)}."),
    };

    /// <summary>The format names accepted by <see cref="ParseFormat"/>.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["npy", "csv", "tsv", "txt", "png-folder", "idx", "mat"];

    /// <summary>The command-line name of a format.</summary>
    public static string FormatName(DataFileFormat format) => format switch
    {
        DataFileFormat.Npy => "npy",
        DataFileFormat.Idx => "idx",
        DataFileFormat.PngFolder => "png-folder",
        DataFileFormat.Csv => "csv",
        DataFileFormat.Tsv => "tsv",
        DataFileFormat.Txt => "txt",
        DataFileFormat.Mat => "mat",
        _ => format.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a scaling name: auto, none, 255, minmax.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static FeatureScaling ParseScaling(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => FeatureScaling.Auto,
        "none" => FeatureScaling.None,
        "255" or "divide255" => FeatureScaling.Divide255,
        "minmax" or "min-max" => FeatureScaling.MinMax,
        _ => throw new ArgumentException($"Unknown scaling '{name}'. Use auto, none, 255 or minmax."),
    };

    /// <summary>
    /// The format of <paramref name="path"/>: a folder is a PNG folder; a file is recognised by its first bytes (the
    /// .npy magic, an IDX header, gzip holding an IDX header), else by its extension.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="DataFormatException">The format cannot be told; the message suggests <c>--format</c>.</exception>
    public static DataFileFormat DetectFormat(string path)
    {
        if (Directory.Exists(path)) return DataFileFormat.PngFolder;
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or folder.", path);
        Span<byte> head = stackalloc byte[20];
        int n;
        using (var s = File.OpenRead(path)) n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (head.StartsWith(NpyReader.Magic)) return DataFileFormat.Npy;
        if (head.Length >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && head[3] is 1 or 3) return DataFileFormat.Idx;
        if (head.StartsWith("MATLAB 5.0 MAT-file"u8) || head.StartsWith("MATLAB 7.3 MAT-file"u8)) return DataFileFormat.Mat;
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        string ext = System.IO.Path.GetExtension(name);
        switch (ext)
        {
            case ".npy": return DataFileFormat.Npy;
            case ".csv": return DataFileFormat.Csv;
            case ".tsv" or ".tab": return DataFileFormat.Tsv;
            case ".txt" or ".dat" or ".amat": return DataFileFormat.Txt;
            case ".mat": return DataFileFormat.Mat;
        }
        if (name.Contains("idx", StringComparison.Ordinal) || ext == ".idx") return DataFileFormat.Idx;
        throw new DataFormatException(path,
            $"cannot tell the data format from the file's first bytes or its extension; pass --format ({string.Join(", ", FormatNames)})");
    }

    /// <summary>Loads, splits and scales a user's data.</summary>
    /// <param name="path">The data file or folder.</param>
    /// <param name="options">How to read it.</param>
    /// <exception cref="DataFormatException">A file is malformed.</exception>
    /// <exception cref="ArgumentException">The options do not fit the data (e.g. <c>--scale none</c> on values outside [0, 1]).</exception>
    /// <exception cref="FileNotFoundException">A path does not exist.</exception>
    public static UserData Load(string path, UserDataOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (options.TestPath is null && !(options.TestFraction > 0 && options.TestFraction < 1))
            throw new ArgumentException($"--test-fraction must be between 0 and 1, exclusive (got {options.TestFraction.ToString(CultureInfo.InvariantCulture)}).");
        string full = System.IO.Path.GetFullPath(path);
        var format = options.Format ?? DetectFormat(full);
        var how = new How(options.Variable, options.LabelColumn, options.Transpose);
        var raw = ReadRaw(full, format, options.ImageSize, how);
        RawData? rawTest = null;
        string? testFull = null;
        if (options.TestPath is not null)
        {
            testFull = System.IO.Path.GetFullPath(options.TestPath);
            rawTest = ReadRaw(testFull, options.Format ?? DetectFormat(testFull), null, how);
            if (rawTest.Width * rawTest.Height != raw.Width * raw.Height)
                throw new DataFormatException(testFull,
                    $"holds {rawTest.Width}×{rawTest.Height} = {rawTest.Width * rawTest.Height} values per row but the training data {full} holds {raw.Width}×{raw.Height} = {raw.Width * raw.Height}");
        }

        var (scaling, min, max, why) = ResolveScaling(raw, options.Scaling);
        var source = new UserDataSource
        {
            Path = full, Format = FormatName(format), Fingerprint = Fingerprint(full),
            TestPath = testFull, TestFingerprint = testFull is null ? null : Fingerprint(testFull),
            TestFraction = testFull is null ? options.TestFraction : 0, SplitSeed = options.SplitSeed,
            Scaling = scaling, Min = min, Max = max, ImageWidth = raw.Width, ImageHeight = raw.Height,
            Variable = options.Variable, LabelColumn = options.LabelColumn, Transpose = options.Transpose,
        };
        var (train, test, clamped) = Build(source, raw, rawTest);
        string report = $"{full}: {raw.Description}, {FormatName(format)}; scaling {ScalingName(scaling)} ({why})" +
            (clamped > 0 ? $"; {clamped} test value(s) outside the training range clamped" : "") +
            $"; {train.Count} training / {test.Count} test rows" +
            (testFull is null ? $" (test: a seeded {options.TestFraction.ToString("0.###", CultureInfo.InvariantCulture)} of the file)" : $" (test: {testFull})");
        return new UserData(train, test, source, report);
    }

    /// <summary>Loads the data exactly as recorded in <paramref name="source"/>: same split, same scaling.</summary>
    /// <param name="source">The record saved with a run.</param>
    /// <param name="checkFingerprint">Whether a change of the data's bytes since then is an error.</param>
    /// <exception cref="ArgumentException">The data changed since it was recorded.</exception>
    public static (Dataset Train, Dataset Test) Load(UserDataSource source, bool checkFingerprint = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        var format = ParseFormat(source.Format);
        if (checkFingerprint) CheckFingerprint(source.Path, source.Fingerprint);
        var how = new How(source.Variable, source.LabelColumn, source.Transpose);
        var raw = ReadRaw(source.Path, format, (source.ImageWidth, source.ImageHeight), how);
        RawData? rawTest = null;
        if (source.TestPath is not null)
        {
            if (checkFingerprint && source.TestFingerprint is not null) CheckFingerprint(source.TestPath, source.TestFingerprint);
            rawTest = ReadRaw(source.TestPath, DetectFormat(source.TestPath), null, how);
        }
        var (train, test, _) = Build(source, raw, rawTest);
        return (train, test);
    }

    private static void CheckFingerprint(string path, string expected)
    {
        string actual = Fingerprint(path);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException(
                $"{path} has changed since the model was trained (SHA-256 {actual[..12]}…, recorded {expected[..Math.Min(12, expected.Length)]}…); " +
                "the training and test rows would not be the same. Restore the data, or pass --dataset PATH to use other data deliberately.");
    }

    private static (Dataset Train, Dataset Test, int Clamped) Build(UserDataSource s, RawData raw, RawData? rawTest)
    {
        string name = System.IO.Path.GetFileName(s.Path.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var all = ToDataset(raw, s, name, out _);
        if (rawTest is not null)
        {
            var test = ToDataset(rawTest, s,
                System.IO.Path.GetFileName(s.TestPath!.TrimEnd(System.IO.Path.DirectorySeparatorChar)) + "/test", out int clamped);
            if (test.Count == 0) throw new DataFormatException(rawTest.Source, "holds no rows");
            return (Rename(all, name + "/train"), test, clamped);
        }
        if (all.Count < 2)
            throw new DataFormatException(raw.Source, $"holds {all.Count} row(s); at least 2 are needed to hold one out for testing (or pass --test-dataset)");
        int testCount = (int)Math.Round(s.TestFraction * all.Count, MidpointRounding.AwayFromZero);
        testCount = Math.Clamp(testCount, 1, all.Count - 1);
        var permutation = new int[all.Count];
        for (int i = 0; i < permutation.Length; i++) permutation[i] = i;
        Rng.ForStream(s.SplitSeed, SplitStream).Shuffle(permutation);
        var testRows = permutation.AsSpan(0, testCount);
        var trainRows = permutation.AsSpan(testCount);
        testRows.Sort();
        trainRows.Sort();
        return (all.Subset(trainRows, name + "/train"), all.Subset(testRows, name + "/test"), 0);
    }

    private static Dataset Rename(Dataset d, string name) => new(name, d.Width, d.Height, d.Features, d.Labels, d.ClassCount, d.ClassNames);

    /// <summary>Applies the resolved scaling; min–max clamps (and counts) values outside the recorded range.</summary>
    private static Dataset ToDataset(RawData raw, UserDataSource s, string name, out int clamped)
    {
        float[] v = raw.Values;
        clamped = 0;
        switch (s.Scaling)
        {
            case FeatureScaling.None:
                for (int i = 0; i < v.Length; i++)
                    if (!(v[i] >= 0f && v[i] <= 1f))
                        throw new ArgumentException(
                            $"{raw.Source}: value {Show(v[i])} at {raw.Where(i)} is outside [0, 1], and --scale none keeps values as they are. " +
                            "Features must lie in [0, 1]: a Bernoulli decoder reads each as the probability that a pixel is on, and the " +
                            "Gaussian decoder models intensities on that scale too. Use --scale 255 for 8-bit pixels or --scale minmax.");
                break;
            case FeatureScaling.Divide255:
                for (int i = 0; i < v.Length; i++)
                {
                    if (!(v[i] >= 0f && v[i] <= 255f))
                        throw new ArgumentException(
                            $"{raw.Source}: value {Show(v[i])} at {raw.Where(i)} is outside [0, 255], so --scale 255 cannot bring it into [0, 1]; use --scale minmax.");
                    v[i] /= 255f;
                }
                break;
            case FeatureScaling.MinMax:
                double lo = s.Min, span = s.Max - s.Min;
                for (int i = 0; i < v.Length; i++)
                {
                    double x = (v[i] - lo) / span;
                    if (x < 0 || x > 1) { clamped++; x = Math.Clamp(x, 0, 1); }
                    v[i] = (float)x;
                    if (v[i] > 1f) v[i] = 1f; // rounding of a value just under 1
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(s), s.Scaling, "Scaling must be resolved before use.");
        }
        int width = raw.Width, height = raw.Height;
        if (width * height != s.ImageWidth * s.ImageHeight) { width = s.ImageWidth; height = s.ImageHeight; }
        return new Dataset(name, width, height, v, raw.Labels, raw.ClassCount, raw.ClassNames);
    }

    private static (FeatureScaling Scaling, double Min, double Max, string Why) ResolveScaling(RawData raw, FeatureScaling requested)
    {
        float[] v = raw.Values;
        if (v.Length == 0) throw new DataFormatException(raw.Source, "holds no values");
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool whole = true;
        for (int i = 0; i < v.Length; i++)
        {
            float x = v[i];
            if (!float.IsFinite(x)) throw new DataFormatException(raw.Source, $"value {Show(x)} at {raw.Where(i)} is not a finite number");
            if (x < min) min = x;
            if (x > max) max = x;
            if (whole && x != MathF.Round(x)) whole = false;
        }
        string range = $"values in [{Show(min)}, {Show(max)}]";
        switch (requested)
        {
            case FeatureScaling.None: return (FeatureScaling.None, min, max, "--scale none; " + range);
            case FeatureScaling.Divide255: return (FeatureScaling.Divide255, 0, 255, "--scale 255; " + range);
            case FeatureScaling.MinMax:
                if (!(max > min)) throw new DataFormatException(raw.Source, $"every value is {Show(min)}, so min–max scaling is undefined");
                return (FeatureScaling.MinMax, min, max, $"--scale minmax; {range}");
        }
        if (min >= 0 && max <= 1) return (FeatureScaling.None, min, max, $"auto: {range} already");
        if (min >= 0 && max <= 255 && whole)
            return (FeatureScaling.Divide255, 0, 255, $"auto: {range}, whole numbers, taken as 8-bit pixels");
        if (!(max > min)) throw new DataFormatException(raw.Source, $"every value is {Show(min)}, so no scaling can map it into [0, 1] meaningfully");
        return (FeatureScaling.MinMax, min, max, $"auto: {range}, mapped linearly onto [0, 1]");
    }

    private static string ScalingName(FeatureScaling s) => s switch
    {
        FeatureScaling.None => "none",
        FeatureScaling.Divide255 => "÷255",
        FeatureScaling.MinMax => "min–max",
        _ => "auto",
    };

    private static string Show(double x) => x.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>The data of one file before scaling: rows of width × height values.</summary>
    private sealed record RawData(string Source, float[] Values, int Rows, int Width, int Height, byte[]? Labels, int ClassCount,
        string[]? ClassNames, string Description)
    {
        public string Where(long i)
        {
            long d = (long)Width * Height;
            return $"row {i / d}, column {i % d}";
        }
    }

    /// <summary>The format-specific choices: MAT variable, text label column, transposition.</summary>
    private readonly record struct How(string? Variable, int? LabelColumn, bool Transpose);

    private static RawData ReadRaw(string path, DataFileFormat format, (int Width, int Height)? imageSize, How how)
    {
        if (how.Variable is not null && format != DataFileFormat.Mat)
            throw new ArgumentException($"--variable applies to MAT-files only, and {path} is read as {FormatName(format)}.");
        if (how.LabelColumn is not null && format is not (DataFileFormat.Csv or DataFileFormat.Tsv or DataFileFormat.Txt))
            throw new ArgumentException($"--labels applies to text files only, and {path} is read as {FormatName(format)}.");
        if (how.Transpose && format is not (DataFileFormat.Mat or DataFileFormat.Csv or DataFileFormat.Tsv or DataFileFormat.Txt or DataFileFormat.Npy))
            throw new ArgumentException($"--transpose applies to matrices (npy, text, mat), and {path} is read as {FormatName(format)}.");
        switch (format)
        {
            case DataFileFormat.Npy:
                var npy = NpyReader.Read(path);
                if (how.Transpose) npy = npy with { Shape = TransposedShape(npy.Shape, path), Values = Transpose2D(npy.Values, npy.Shape) };
                return FromNpy(npy, imageSize);
            case DataFileFormat.Csv or DataFileFormat.Tsv or DataFileFormat.Txt:
                return FromText(path, format, imageSize, how);
            case DataFileFormat.Mat:
                return FromMat(path, imageSize, how);
            case DataFileFormat.PngFolder:
                if (!Directory.Exists(path)) throw new DataFormatException(path, "is not a folder, so it cannot be read as png-folder");
                var f = PngFolderReader.Read(path);
                return new RawData(path, f.Values, f.Count, f.Width, f.Height, f.Labels, f.ClassNames?.Length ?? 0, f.ClassNames,
                    $"{f.Count} PNG images of {f.Width}×{f.Height}" + (f.ClassNames is { } n ? $" in {n.Length} class folders" : ""));
            case DataFileFormat.Idx:
                return FromIdx(path);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }

    private static int[] TransposedShape(int[] shape, string path) =>
        shape.Length == 2 ? [shape[1], shape[0]] : throw new ArgumentException($"{path}: --transpose needs a 2-D matrix, not shape ({string.Join(", ", shape)}).");

    private static float[] Transpose2D(float[] values, int[] shape)
    {
        if (shape.Length != 2) return values;
        int r = shape[0], c = shape[1];
        var t = new float[values.Length];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++) t[(long)j * r + i] = values[(long)i * c + j];
        return t;
    }

    private static RawData FromText(string path, DataFileFormat format, (int Width, int Height)? imageSize, How how)
    {
        var delimiter = format switch
        {
            DataFileFormat.Csv => TextDelimiter.Comma,
            DataFileFormat.Tsv => TextDelimiter.Tab,
            _ => TextDelimiter.Auto,
        };
        var m = TextMatrixReader.Read(path, new TextMatrixOptions { Delimiter = delimiter, LabelColumn = how.LabelColumn });
        float[] values = m.Values;
        int rows = m.Rows, columns = m.Columns;
        if (how.Transpose)
        {
            if (m.Labels is not null) throw new ArgumentException($"{path}: --transpose and --labels cannot be combined (a label column labels rows).");
            values = Transpose2D(values, [rows, columns]);
            (rows, columns) = (columns, rows);
        }
        if (rows == 0 || columns == 0) throw new DataFormatException(path, "holds no data rows");
        var (width, height) = PictureSize(path, columns, imageSize);
        byte[]? labels = null;
        string[]? names = null;
        int classCount = 0;
        if (m.Labels is { } ints)
        {
            if (m.LabelNames is { } textNames)
            {
                names = textNames;
                if (names.Length > 256) throw new DataFormatException(path, $"the label column holds {names.Length} distinct labels; at most 256 classes are supported");
                labels = ints.Select(i => (byte)i).ToArray();
                classCount = names.Length;
            }
            else
            {
                var distinct = ints.Distinct().Order().ToArray();
                if (distinct.Length > 256) throw new DataFormatException(path, $"the label column holds {distinct.Length} distinct labels; at most 256 classes are supported");
                if (distinct[0] >= 0 && distinct[^1] < 256)
                {
                    labels = ints.Select(i => (byte)i).ToArray();
                    classCount = distinct[^1] + 1;
                }
                else
                {
                    var index = distinct.Select((v, k) => (v, k)).ToDictionary(p => p.v, p => p.k);
                    labels = ints.Select(i => (byte)index[i]).ToArray();
                    names = distinct.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
                    classCount = distinct.Length;
                }
            }
        }
        string desc = $"{rows} rows of {columns} values ({m.Delimiter.ToString().ToLowerInvariant()}-separated{(m.Header is null ? "" : ", with a header")})"
            + (labels is null ? "" : $", {classCount} label classes");
        return new RawData(path, values, rows, width, height, labels, classCount, names, desc);
    }

    private static RawData FromMat(string path, (int Width, int Height)? imageSize, How how)
    {
        var a = MatReader.Read(path, how.Variable);
        int[] shape = a.Dims;
        float[] values = a.Data;
        if (how.Transpose)
        {
            shape = TransposedShape(shape, path);
            values = Transpose2D(values, a.Dims);
        }
        var raw = FromNpy(new NpyArray(path, NpyElementType.Float32, shape, values), imageSize);
        return raw with { Description = $"MAT variable {a.Name} ({MatReader.ClassName(a.Class)} {string.Join("×", a.Dims)}){(how.Transpose ? ", columns as samples" : "")}" };
    }

    private static RawData FromNpy(NpyArray a, (int Width, int Height)? imageSize)
    {
        int[] s = a.Shape;
        string desc = $"{a.ElementType.ToString().ToLowerInvariant()} array of shape ({string.Join(", ", s)})";
        int rows, width, height;
        if (s.Length == 4 && s[3] == 1) s = s[..3];
        if (s.Length == 2)
        {
            rows = s[0];
            (width, height) = PictureSize(a.Source, s[1], imageSize);
        }
        else if (s.Length == 3)
        {
            rows = s[0];
            height = s[1];
            width = s[2];
            if (imageSize is { } given && (long)given.Width * given.Height != (long)width * height)
                throw new ArgumentException($"{a.Source}: --image-size {given.Width}x{given.Height} does not match the array's {height}×{width} pictures.");
        }
        else
            throw new DataFormatException(a.Source,
                $"shape ({string.Join(", ", a.Shape)}) is not N×D or N×H×W (or N×H×W×1); colour and other layouts are not supported");
        if (rows == 0 || width == 0 || height == 0) throw new DataFormatException(a.Source, $"shape ({string.Join(", ", a.Shape)}) holds no data");
        return new RawData(a.Source, a.Values, rows, width, height, null, 0, null, desc);
    }

    private static (int Width, int Height) PictureSize(string source, int d, (int Width, int Height)? given)
    {
        if (given is { } g)
        {
            if ((long)g.Width * g.Height != d)
                throw new ArgumentException($"{source}: --image-size {g.Width}x{g.Height} = {(long)g.Width * g.Height} pixels, but each row holds {d} values.");
            return g;
        }
        int r = (int)Math.Round(Math.Sqrt(d));
        return r * r == d ? (r, r) : (d, 1);
    }

    private static RawData FromIdx(string path)
    {
        var img = IdxReader.ReadImages(path);
        var values = new float[img.Pixels.Length];
        for (int i = 0; i < values.Length; i++) values[i] = img.Pixels[i];
        byte[]? labels = null;
        int classCount = 0;
        // MNIST's naming: xxx-images-idx3-ubyte[.gz] beside xxx-labels-idx1-ubyte[.gz].
        string file = System.IO.Path.GetFileName(path);
        if (file.Contains("images-idx3", StringComparison.Ordinal))
        {
            string labelsPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, file.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal));
            if (File.Exists(labelsPath))
            {
                labels = IdxReader.ReadLabels(labelsPath);
                if (labels.Length != img.Count)
                    throw new DataFormatException(path, $"holds {img.Count} images but its label file {labelsPath} holds {labels.Length} labels");
                classCount = labels.Length == 0 ? 0 : labels.Max() + 1;
                if (classCount == 0) labels = null;
            }
        }
        if (img.Count == 0) throw new DataFormatException(path, "holds no images");
        return new RawData(path, values, img.Count, img.Columns, img.Rows, labels, classCount, null,
            $"{img.Count} IDX images of {img.Columns}×{img.Rows}" + (labels is null ? "" : $" with {classCount} label values"));
    }

    /// <summary>SHA-256 of a file, or of a folder's files (relative names and bytes, in ordinal order of names).</summary>
    public static string Fingerprint(string path)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        void AddFile(string file)
        {
            using var s = File.OpenRead(file);
            int n;
            while ((n = s.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        }
        if (Directory.Exists(path))
        {
            foreach (string f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                         .Select(f => System.IO.Path.GetRelativePath(path, f)).Order(StringComparer.Ordinal))
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(f + "\0"));
                AddFile(System.IO.Path.Combine(path, f));
            }
        }
        else AddFile(path);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
