using VaeSharp.Data;
using Xunit.Abstractions;

namespace VaeSharp.Tests.Data;

/// <summary>Finds the real data files: an environment variable, else shared/datasets/FOLDER in an ancestor of the test folder.</summary>
internal static class RealData
{
    public static string? MnistDirectory() => Find("VAESHARP_MNIST_DIR", "mnist", "train-images-idx3-ubyte.gz");

    /// <summary>frey_rawface.mat: env VAESHARP_FREYFACE_DIR, else shared/datasets/freyface.</summary>
    public static string? FreyFaceFile() =>
        Find("VAESHARP_FREYFACE_DIR", "freyface", "frey_rawface.mat") is { } dir ? Path.Combine(dir, "frey_rawface.mat") : null;

    /// <summary>The folder of binarized_mnist_*.amat.gz: env VAESHARP_BINARIZED_MNIST_DIR, else shared/datasets/binarized-mnist.</summary>
    public static string? BinarizedMnistDirectory() =>
        Find("VAESHARP_BINARIZED_MNIST_DIR", "binarized-mnist", "binarized_mnist_test.amat.gz");

    private static string? Find(string variable, string folder, string probe)
    {
        string? env = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "datasets", folder);
            if (File.Exists(Path.Combine(candidate, probe))) return candidate;
        }
        return null;
    }
}

public sealed class CatalogTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Names_and_descriptions()
    {
        Assert.Equal(["mnist-sample", "mnist", "fashion-mnist", "frey-face", "binarized-mnist"], DatasetCatalog.Names);
        Assert.Equal("mnist-sample", new DatasetRequest().Name);
        foreach (string n in DatasetCatalog.Names) Assert.False(string.IsNullOrWhiteSpace(DatasetCatalog.Describe(n)));
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Load(new DatasetRequest { Name = "cifar" }));
        Assert.Contains("mnist-sample, mnist, fashion-mnist, frey-face, binarized-mnist", e.Message);
        e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Load(new DatasetRequest { Split = "dev" }));
        Assert.Contains("'train' or 'test'", e.Message);
    }

    [Theory]
    [InlineData("train", 8004, new[] { 801, 902, 793, 826, 784, 691, 812, 856, 756, 783 })]
    [InlineData("test", 1996, new[] { 200, 225, 198, 206, 196, 172, 202, 214, 188, 195 })]
    public void Embedded_sample_loads_with_ten_classes(string split, int count, int[] perClass)
    {
        var d = DatasetCatalog.Load(new DatasetRequest { Split = split });
        Assert.Equal(count, d.Count);
        Assert.Equal((28, 28, 784, 10), (d.Width, d.Height, d.Dimension, d.ClassCount));
        Assert.Equal($"mnist-sample/{split}", d.Name);
        Assert.Equal(perClass, Enumerable.Range(0, 10).Select(c => d.Labels!.Count(l => l == c)));
        // MNIST-like: mostly black background, mean intensity about 0.13, corners empty.
        Assert.InRange(d.Features.Average(), 0.11, 0.15);
        for (int i = 0; i < d.Count; i++) Assert.Equal(0f, d.Row(i)[0]);
        Assert.Contains("MIT", DatasetCatalog.SampleNotice);
        Assert.Contains("LeCun", DatasetCatalog.SampleNotice);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DataDir_files_load_gz_or_raw(bool gzip)
    {
        Fixtures.WriteStandardFiles(_dir.Path, 6, 4, gzip);
        var train = DatasetCatalog.Load(new DatasetRequest { Name = "fashion-mnist", DataDir = _dir.Path, AllowDownload = false });
        var test = DatasetCatalog.Load(new DatasetRequest { Name = "fashion-mnist", Split = "test", DataDir = _dir.Path, AllowDownload = false });
        Assert.Equal(6, train.Count);
        Assert.Equal(4, test.Count);
        Assert.Equal("Ankle boot", train.ClassNames![9]);
        Assert.Equal("fashion-mnist/test", test.Name);
    }

    [Fact]
    public void DataDir_lacking_files_is_an_error_not_a_fallback()
    {
        Fixtures.WriteStandardFiles(_dir.Path, 6, 4);
        File.Delete(_dir.File("t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<DatasetUnavailableException>(() => DatasetCatalog.Load(
            new DatasetRequest { Name = "mnist", Split = "test", DataDir = _dir.Path, CacheDir = _dir.File("cache") }));
        Assert.Contains(_dir.Path, e.Message);
        Assert.Contains("lacks t10k-labels-idx1-ubyte.gz (or t10k-labels-idx1-ubyte)", e.Message);
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message); // listed among what it holds
        Assert.Contains("--data-dir", e.Message);

        var missingDir = _dir.File("nope");
        e = Assert.Throws<DatasetUnavailableException>(() => DatasetCatalog.Load(new DatasetRequest { Name = "mnist", DataDir = missingDir }));
        Assert.Contains($"{missingDir} (--data-dir) does not exist", e.Message);
    }

    [Fact]
    public void Nothing_found_with_downloads_off_names_files_and_cache_folder()
    {
        string cache = _dir.File("cache");
        var e = Assert.Throws<DatasetUnavailableException>(() => DatasetCatalog.Load(new DatasetRequest
        {
            Name = "fashion-mnist", CacheDir = cache, AllowDownload = false, UseSystemLocations = false,
        }));
        Assert.Contains("downloads are turned off", e.Message);
        Assert.Contains(Path.Combine(cache, "fashion-mnist"), e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Equal(["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"], e.RequiredFiles);
    }

    [Fact]
    public void Cache_folder_is_used_and_malformed_files_name_their_path()
    {
        string cacheDir = DatasetCatalog.CacheDirectory("mnist", _dir.Path);
        Assert.Equal(Path.Combine(_dir.Path, "mnist"), cacheDir);
        Directory.CreateDirectory(cacheDir);
        Fixtures.WriteStandardFiles(cacheDir, 5, 3);
        Assert.Equal(5, DatasetCatalog.Load(new DatasetRequest { Name = "mnist", CacheDir = _dir.Path, AllowDownload = false }).Count);

        File.WriteAllBytes(Path.Combine(cacheDir, "train-labels-idx1-ubyte.gz"), Fixtures.LabelFileBytes(4, gzip: true));
        var e = Assert.Throws<DataFormatException>(() =>
            DatasetCatalog.Load(new DatasetRequest { Name = "mnist", CacheDir = _dir.Path, AllowDownload = false }));
        Assert.Contains(Path.Combine(cacheDir, "train-images-idx3-ubyte.gz"), e.Message);
        Assert.Contains("holds 4 labels", e.Message);
    }

    [Fact]
    public void Default_cache_root_ends_in_vaesharp()
    {
        string root = DatasetCatalog.DefaultCacheRoot;
        if (Environment.GetEnvironmentVariable(DatasetCatalog.CacheEnvironmentVariable) is { Length: > 0 } own)
            Assert.Equal(Path.GetFullPath(own), root);
        else
            Assert.Equal("vaesharp", Path.GetFileName(root));
    }

    [Fact]
    public void Real_mnist_loads_when_present()
    {
        string? dir = RealData.MnistDirectory();
        if (dir is null)
        {
            output.WriteLine("SKIPPED: real MNIST not found (set VAESHARP_MNIST_DIR or provide shared/datasets/mnist beside the repo).");
            return;
        }
        var test = DatasetCatalog.Load(new DatasetRequest { Name = "mnist", Split = "test", DataDir = dir, AllowDownload = false });
        Assert.Equal((10_000, 28, 28, 10), (test.Count, test.Width, test.Height, test.ClassCount));
        Assert.Equal(7, test.Labels![0]); // the first MNIST test digit is a 7
        Assert.Null(test.ClassNames);

        var train = DatasetCatalog.Load(new DatasetRequest { Name = "mnist", DataDir = dir, AllowDownload = false });
        Assert.Equal(60_000, train.Count);
        Assert.Equal(new byte[] { 5, 0, 4, 1, 9 }, train.Labels![..5]);

        // The bundled sample is MNIST training images 0..9,999 (see its NOTICE): every sample row is one of them.
        var first = new HashSet<string>();
        for (int i = 0; i < 10_000; i++) first.Add(Key(train.Row(i), train.Labels[i]));
        foreach (string split in DatasetCatalog.Splits)
        {
            var sample = DatasetCatalog.Load(new DatasetRequest { Split = split });
            for (int i = 0; i < sample.Count; i++) Assert.Contains(Key(sample.Row(i), sample.Labels![i]), first);
        }
    }

    private static string Key(ReadOnlySpan<float> row, byte label)
    {
        var bytes = new byte[row.Length + 1];
        for (int i = 0; i < row.Length; i++) bytes[i] = (byte)MathF.Round(row[i] * 255f);
        bytes[^1] = label;
        return Convert.ToBase64String(bytes);
    }

    [Fact]
    public void Debian_fashion_mnist_loads_when_installed()
    {
        if (!File.Exists(Path.Combine(DatasetCatalog.FashionMnistSystemDirectory, "t10k-images-idx3-ubyte.gz")))
        {
            output.WriteLine($"SKIPPED: {DatasetCatalog.FashionMnistSystemDirectory} not present (apt-get install dataset-fashion-mnist).");
            return;
        }
        var d = DatasetCatalog.Load(new DatasetRequest
        {
            Name = "fashion-mnist", Split = "test", CacheDir = _dir.Path, AllowDownload = false,
        });
        Assert.Equal((10_000, 28, 28, 10), (d.Count, d.Width, d.Height, d.ClassCount));
        Assert.Equal(DatasetCatalog.FashionMnistClassNames, d.ClassNames);
        Assert.Equal(1000, d.Labels!.Count(l => l == 9));
    }
}
