using System.Buffers.Binary;
using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

public sealed class UserDatasetTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>count images of 4×3 bytes: pixel j of image i is (i * 13 + j * 5) % 256.</summary>
    private static byte[] Bytes(int count)
    {
        var b = new byte[count * 12];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < 12; j++) b[i * 12 + j] = (byte)((i * 13 + j * 5) % 256);
        return b;
    }

    private string WriteNpy(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Float32Npy(IReadOnlyList<long> shape, IEnumerable<float> values) => NpyFixtures.Float32(shape, values.ToArray());

    [Fact]
    public void Uint8_images_are_divided_by_255_split_by_seed_and_keep_their_shape()
    {
        string path = WriteNpy("digits.npy", NpyFixtures.UInt8([50, 3, 4], Bytes(50)));
        var d = UserDataset.Load(path, new UserDataOptions { TestFraction = 0.2, SplitSeed = 5 });

        Assert.Equal((4, 3), (d.Train.Width, d.Train.Height));
        Assert.Equal(40, d.Train.Count);
        Assert.Equal(10, d.Test.Count);
        Assert.Equal(FeatureScaling.Divide255, d.Source.Scaling);
        Assert.Contains("scaling ÷255 (auto:", d.Report);
        Assert.Contains("40 training / 10 test rows", d.Report);
        Assert.Equal("digits.npy/train", d.Train.Name);

        // Every row lands in exactly one part, each value b / 255.
        byte[] raw = Bytes(50);
        var rows = Enumerable.Range(0, 50).ToDictionary(i => i, i => raw.AsSpan(i * 12, 12).ToArray().Select(b => b / 255f).ToArray());
        var seen = new List<int>();
        foreach (var part in new[] { d.Train, d.Test })
            for (int r = 0; r < part.Count; r++)
            {
                int match = rows.Single(kv => kv.Value.SequenceEqual(part.Row(r).ToArray())).Key;
                seen.Add(match);
            }
        Assert.Equal(Enumerable.Range(0, 50), seen.Order());

        // The same seed gives the same split; another seed another one.
        var again = UserDataset.Load(path, new UserDataOptions { TestFraction = 0.2, SplitSeed = 5 });
        Assert.Equal(d.Test.Features, again.Test.Features);
        var other = UserDataset.Load(path, new UserDataOptions { TestFraction = 0.2, SplitSeed = 6 });
        Assert.NotEqual(d.Test.Features, other.Test.Features);
    }

    [Fact]
    public void Auto_keeps_unit_interval_data_and_min_max_scales_the_rest()
    {
        string unit = WriteNpy("unit.npy", Float32Npy([4, 4], Enumerable.Range(0, 16).Select(i => i / 15f)));
        var u = UserDataset.Load(unit, new UserDataOptions { TestFraction = 0.25 });
        Assert.Equal(FeatureScaling.None, u.Source.Scaling);
        Assert.Contains("scaling none (auto: values in [0, 1] already)", u.Report);
        Assert.Equal((2, 2), (u.Train.Width, u.Train.Height)); // D = 4 is a square

        string wide = WriteNpy("wide.npy", Float32Npy([4, 3], [-2, 0, 2, 1, 1, 1, 0.5f, -1, 6, 3, 3, 3]));
        var w = UserDataset.Load(wide, new UserDataOptions { TestFraction = 0.25 });
        Assert.Equal(FeatureScaling.MinMax, w.Source.Scaling);
        Assert.Equal((-2.0, 6.0), (w.Source.Min, w.Source.Max));
        Assert.Contains("min–max", w.Report);
        Assert.Equal((3, 1), (w.Train.Width, w.Train.Height)); // D = 3 is not a square: one row
        var all = w.Train.Features.Concat(w.Test.Features).ToArray();
        Assert.Equal(0f, all.Min());
        Assert.Equal(1f, all.Max());
        Assert.Contains(0.5f, all); // 2 ↦ (2 + 2) / 8

        // Whole numbers in [0, 255] stored as floats count as 8-bit pixels too.
        string px = WriteNpy("px.npy", Float32Npy([2, 2], [0, 255, 128, 3]));
        Assert.Equal(FeatureScaling.Divide255, UserDataset.Load(px, new UserDataOptions { TestFraction = 0.5 }).Source.Scaling);
    }

    [Fact]
    public void Scale_none_on_values_outside_the_unit_interval_is_refused_with_the_reason()
    {
        string path = WriteNpy("big.npy", NpyFixtures.UInt8([3, 4], Bytes(1)));
        var e = Assert.Throws<ArgumentException>(() => UserDataset.Load(path, new UserDataOptions { Scaling = FeatureScaling.None }));
        Assert.StartsWith(path, e.Message);
        Assert.Contains("--scale none", e.Message);
        Assert.Contains("Bernoulli", e.Message);
        Assert.Contains("--scale 255", e.Message);

        string neg = WriteNpy("neg.npy", Float32Npy([2, 1], [-1, 1]));
        var e2 = Assert.Throws<ArgumentException>(() => UserDataset.Load(neg, new UserDataOptions { Scaling = FeatureScaling.Divide255 }));
        Assert.Contains("outside [0, 255]", e2.Message);
        Assert.Contains("row 0", e2.Message);
    }

    [Fact]
    public void Non_finite_and_constant_data_are_refused()
    {
        string nan = WriteNpy("nan.npy", Float32Npy([2, 2], [0, 1, float.NaN, 0]));
        var e = Assert.Throws<DataFormatException>(() => UserDataset.Load(nan, new UserDataOptions()));
        Assert.Equal(nan, e.SourcePath);
        Assert.Contains("row 1, column 0", e.Message);

        string flat = WriteNpy("flat.npy", Float32Npy([2, 2], [300, 300, 300, 300]));
        Assert.Contains("every value is 300", Assert.Throws<DataFormatException>(() => UserDataset.Load(flat, new UserDataOptions())).Message);
    }

    [Fact]
    public void A_separate_test_file_uses_the_training_scale_and_must_match_in_size()
    {
        string train = WriteNpy("train.npy", Float32Npy([2, 2], [0, 10, 2.5f, 5])); // not whole numbers: min–max over [0, 10]
        string test = WriteNpy("test.npy", Float32Npy([1, 2], [-10, 5]));
        var d = UserDataset.Load(train, new UserDataOptions { TestPath = test });
        Assert.Equal(2, d.Train.Count);
        Assert.Equal([0f, 0.5f], d.Test.Features); // -10 clamped to 0 under the training's [0, 10]
        Assert.Contains("1 test value(s) outside the training range clamped", d.Report);

        string odd = WriteNpy("odd.npy", Float32Npy([1, 3], [1, 2, 3]));
        var e = Assert.Throws<DataFormatException>(() => UserDataset.Load(train, new UserDataOptions { TestPath = odd }));
        Assert.Equal(odd, e.SourcePath);
    }

    [Fact]
    public void The_recorded_source_rebuilds_the_same_rows_and_notices_a_changed_file()
    {
        string path = WriteNpy("d.npy", NpyFixtures.UInt8([30, 3, 4], Bytes(30)));
        var d = UserDataset.Load(path, new UserDataOptions { SplitSeed = 9, TestFraction = 0.3 });
        d.Source.Save(_dir.Path);
        var recorded = UserDataSource.TryLoad(_dir.Path)!;
        Assert.Equal(d.Source, recorded);
        var (train, test) = UserDataset.Load(recorded);
        Assert.Equal(d.Train.Features, train.Features);
        Assert.Equal(d.Test.Features, test.Features);

        var changed = Bytes(30);
        changed[0] ^= 1;
        File.WriteAllBytes(path, NpyFixtures.UInt8([30, 3, 4], changed));
        var e = Assert.Throws<ArgumentException>(() => UserDataset.Load(recorded));
        Assert.Contains("has changed since the model was trained", e.Message);

        File.WriteAllText(Path.Combine(_dir.Path, UserDataSource.FileName), "{\"path\": 3");
        Assert.Throws<InvalidDataException>(() => UserDataSource.TryLoad(_dir.Path));
    }

    [Fact]
    public void Row_data_takes_an_explicit_picture_size()
    {
        string path = WriteNpy("rows.npy", Float32Npy([2, 6], Enumerable.Range(0, 12).Select(i => i / 11f)));
        var d = UserDataset.Load(path, new UserDataOptions { ImageSize = (2, 3), TestFraction = 0.5 });
        Assert.Equal((2, 3), (d.Train.Width, d.Train.Height));
        Assert.Contains("does not match", Assert.Throws<ArgumentException>(() =>
            UserDataset.Load(path, new UserDataOptions { ImageSize = (4, 4) })).Message.Replace("= 16 pixels", "does not match"));
    }

    [Fact]
    public void Formats_are_detected_by_content_then_extension()
    {
        string npy = WriteNpy("no-extension", NpyFixtures.UInt8([2, 1], [1, 2]));
        Assert.Equal(DataFileFormat.Npy, UserDataset.DetectFormat(npy));
        string idx = _dir.File("whatever.bin");
        File.WriteAllBytes(idx, Fixtures.ImageFileBytes(3));
        Assert.Equal(DataFileFormat.Idx, UserDataset.DetectFormat(idx));
        string unknown = _dir.File("mystery.bin");
        File.WriteAllBytes(unknown, [1, 2, 3]);
        var e = Assert.Throws<DataFormatException>(() => UserDataset.DetectFormat(unknown));
        Assert.Contains("--format", e.Message);
        Assert.Throws<FileNotFoundException>(() => UserDataset.DetectFormat(_dir.File("absent.npy")));
    }

    [Fact]
    public void Idx_images_find_their_labels_beside_them()
    {
        File.WriteAllBytes(_dir.File("train-images-idx3-ubyte.gz"), Fixtures.ImageFileBytes(20, gzip: true));
        File.WriteAllBytes(_dir.File("train-labels-idx1-ubyte.gz"), Fixtures.LabelFileBytes(20, gzip: true));
        var d = UserDataset.Load(_dir.File("train-images-idx3-ubyte.gz"), new UserDataOptions { TestFraction = 0.25 });
        Assert.Equal(15, d.Train.Count);
        Assert.Equal(5, d.Test.Count);
        Assert.NotNull(d.Train.Labels);
        Assert.Equal(10, d.Train.ClassCount);
        Assert.Equal((Fixtures.Columns, Fixtures.Rows), (d.Train.Width, d.Train.Height));
    }

    [Fact]
    public void Bad_options_are_named()
    {
        string path = WriteNpy("x.npy", NpyFixtures.UInt8([2, 1], [1, 2]));
        Assert.Contains("--test-fraction", Assert.Throws<ArgumentException>(() => UserDataset.Load(path, new UserDataOptions { TestFraction = 1 })).Message);
        Assert.Contains("--test-fraction", Assert.Throws<ArgumentException>(() => UserDataset.Load(path, new UserDataOptions { TestFraction = 0 })).Message);
        string one = WriteNpy("one.npy", NpyFixtures.UInt8([1, 1], [1]));
        Assert.Contains("at least 2", Assert.Throws<DataFormatException>(() => UserDataset.Load(one, new UserDataOptions())).Message);
        Assert.Throws<ArgumentException>(() => UserDataset.ParseScaling("log"));
        Assert.Throws<ArgumentException>(() => UserDataset.ParseFormat("xls"));
    }

    [Fact]
    public void Csv_with_header_and_a_text_label_column()
    {
        string path = _dir.File("points.csv");
        var lines = new List<string> { "a,b,c,d,kind" };
        for (int i = 0; i < 20; i++) lines.Add($"{i % 5},{(i * 3) % 7},0.5,{i % 2},{(i % 3 == 0 ? "cat" : "dog")}");
        File.WriteAllLines(path, lines);
        var d = UserDataset.Load(path, new UserDataOptions { LabelColumn = -1, TestFraction = 0.25 });
        Assert.Equal(DataFileFormat.Csv, UserDataset.DetectFormat(path));
        Assert.Equal((2, 2), (d.Train.Width, d.Train.Height));
        Assert.Equal(2, d.Train.ClassCount);
        Assert.Equal(["cat", "dog"], d.Train.ClassNames!);
        Assert.Equal(15, d.Train.Count);
        Assert.Contains("with a header", d.Report);
        Assert.Contains("2 label classes", d.Report);
        Assert.Equal(FeatureScaling.MinMax, d.Source.Scaling); // 0.5 is not whole and 6 is above 1
        var (train, _) = UserDataset.Load(d.Source);
        Assert.Equal(d.Train.Labels, train.Labels);
    }

    [Fact]
    public void Whitespace_text_with_integer_labels_outside_a_byte_is_renumbered()
    {
        string path = _dir.File("rows.txt");
        File.WriteAllLines(path, Enumerable.Range(0, 10).Select(i => $"  {i % 2}  {1 - i % 2}   {(i % 2 == 0 ? 1000 : -7)}"));
        var d = UserDataset.Load(path, new UserDataOptions { LabelColumn = 2, TestFraction = 0.2 });
        Assert.Equal(2, d.Train.ClassCount);
        Assert.Equal(["-7", "1000"], d.Train.ClassNames!);
        Assert.Equal(FeatureScaling.None, d.Source.Scaling);
        Assert.Equal((2, 1), (d.Train.Width, d.Train.Height));
    }

    [Fact]
    public void Mat_variable_with_samples_in_columns()
    {
        // A 4 × 6 matrix (4 pixels, 6 samples stored as columns, as Frey Face is), column-major as MATLAB writes it.
        var columnMajor = new double[24];
        for (int sample = 0; sample < 6; sample++)
            for (int px = 0; px < 4; px++) columnMajor[sample * 4 + px] = sample * 10 + px;
        byte[] mat = new MatWriter()
            .Numeric("faces", MatClass.UInt8, [4, 6], columnMajor, MatWriter.MiUInt8)
            .Numeric("other", MatClass.Double, [1, 1], [3], MatWriter.MiDouble)
            .ToBytes();
        string path = _dir.File("faces.mat");
        File.WriteAllBytes(path, mat);
        Assert.Equal(DataFileFormat.Mat, UserDataset.DetectFormat(path));
        var e = Assert.Throws<DataFormatException>(() => UserDataset.Load(path, new UserDataOptions()));
        Assert.Contains("name the one to read", e.Message);

        var d = UserDataset.Load(path, new UserDataOptions { Variable = "faces", Transpose = true, TestFraction = 0.5, Scaling = FeatureScaling.Divide255 });
        Assert.Equal(3, d.Train.Count);
        Assert.Equal((2, 2), (d.Train.Width, d.Train.Height));
        var rows = Enumerable.Range(0, 3).Select(i => d.Train.Row(i).ToArray()).Concat(Enumerable.Range(0, 3).Select(i => d.Test.Row(i).ToArray()));
        foreach (var row in rows)
        {
            float first = row[0] * 255;
            Assert.Equal([first / 255, (first + 1) / 255, (first + 2) / 255, (first + 3) / 255], row, (a, b) => Math.Abs(a - b) < 1e-6f);
        }
        Assert.Contains("MAT variable faces (uint8 4×6), columns as samples", d.Report);
        Assert.Equal(d.Test.Features, UserDataset.Load(d.Source).Test.Features);
        Assert.Contains("--variable applies to MAT-files only", Assert.Throws<ArgumentException>(() =>
            UserDataset.Load(WriteNpy("v.npy", NpyFixtures.UInt8([2, 1], [1, 2])), new UserDataOptions { Variable = "x" })).Message);
    }
}
