using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using VaeSharp.Data;
using Xunit.Abstractions;
using W = VaeSharp.Tests.Data.MatWriter;

namespace VaeSharp.Tests.Data;

public sealed class FreyAndBinarizedCatalogTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Pixel p of face j in the synthetic Frey file.</summary>
    private static byte FacePixel(int face, int p) => (byte)((face * 7 + p * 3) % 256);

    /// <summary>A Frey-shaped MAT-file: ff, uint8 560 × 1965, element (p, j) = FacePixel(j, p).</summary>
    private static byte[] SyntheticFrey(bool bigEndian = false, bool compress = false, int faces = 1965, MatClass cls = MatClass.UInt8,
        Func<int, int, double>? value = null)
    {
        var columnMajor = new double[560 * faces];
        for (int j = 0; j < faces; j++)
            for (int p = 0; p < 560; p++)
                columnMajor[j * 560 + p] = value?.Invoke(j, p) ?? FacePixel(j, p);
        int storage = cls == MatClass.UInt8 ? W.MiUInt8 : W.MiDouble;
        return new W(bigEndian).Char("note", "synthetic").Numeric("ff", cls, [560, faces], columnMajor, storage, compress).ToBytes();
    }

    [Fact]
    public void Names_splits_and_descriptions()
    {
        Assert.Equal(["mnist-sample", "mnist", "fashion-mnist", "frey-face", "binarized-mnist"], DatasetCatalog.Names);
        Assert.Equal(["train", "valid", "test"], DatasetCatalog.SplitsOf("binarized-mnist"));
        Assert.Equal(["train", "test"], DatasetCatalog.SplitsOf("frey-face"));
        Assert.True(DatasetCatalog.IsBinary("binarized-mnist"));
        Assert.False(DatasetCatalog.IsBinary("frey-face"));
        Assert.Contains("1,765 train", DatasetCatalog.Describe("frey-face"));
        Assert.Contains("20 wide × 28 high", DatasetCatalog.Describe("frey-face"));
        Assert.Contains("50,000 train / 10,000 valid / 10,000 test", DatasetCatalog.Describe("binarized-mnist"));
        Assert.Equal(["binarized_mnist_valid.amat"], DatasetCatalog.FileNames("binarized-mnist", "validation"));
        Assert.Equal(["frey_rawface.mat"], DatasetCatalog.FileNames("frey-face", "test"));
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Load(new DatasetRequest { Name = "frey-face", Split = "valid" }));
        Assert.Contains("Unknown split 'valid' for dataset 'frey-face'. Use 'train' or 'test'.", e.Message);
        e = Assert.Throws<ArgumentException>(() => DatasetCatalog.FileNames("binarized-mnist", "dev"));
        Assert.Contains("Use 'train', 'valid' or 'test'.", e.Message);
    }

    [Fact]
    public void Frey_split_is_fixed_disjoint_and_complete()
    {
        int[] test = DatasetCatalog.FreyFaceIndices("test"), train = DatasetCatalog.FreyFaceIndices("train");
        Assert.Equal(200, test.Length);
        Assert.Equal(1765, train.Length);
        Assert.Equal(Enumerable.Range(0, 1965), test.Concat(train).Order());
        Assert.Equal(test.Order(), test);
        // Pinned: the documented split (docs/DATASETS.md) must not move if Rng or the code change.
        Assert.Equal([11, 21, 36, 45, 46], test[..5]);
        Assert.Equal(test, DatasetCatalog.FreyFaceIndices("test"));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Frey_face_loads_portrait_faces_from_the_data_folder(bool bigEndian, bool compress)
    {
        File.WriteAllBytes(_dir.File("frey_rawface.mat"), SyntheticFrey(bigEndian, compress));
        foreach (string split in new[] { "train", "test" })
        {
            var d = DatasetCatalog.Load(new DatasetRequest { Name = "frey-face", Split = split, DataDir = _dir.Path, AllowDownload = false });
            int[] faces = DatasetCatalog.FreyFaceIndices(split);
            Assert.Equal((faces.Length, 20, 28, 560), (d.Count, d.Width, d.Height, d.Dimension));
            Assert.Equal($"frey-face/{split}", d.Name);
            Assert.Null(d.Labels);
            for (int k = 0; k < d.Count; k += 13)
                for (int p = 0; p < 560; p++)
                    Assert.Equal(FacePixel(faces[k], p) / 255f, d.Row(k)[p]);
        }
    }

    [Fact]
    public void Frey_files_of_the_wrong_shape_or_values_are_refused()
    {
        string path = _dir.File("frey_rawface.mat");
        var request = new DatasetRequest { Name = "frey-face", DataDir = _dir.Path, AllowDownload = false };

        File.WriteAllBytes(path, SyntheticFrey(faces: 1000));
        var e = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request));
        Assert.Equal($"{path}: variable 'ff' is 560×1000, but Frey Face's is 560×1965 (one 28×20 face per column)", e.Message);

        File.WriteAllBytes(path, SyntheticFrey(cls: MatClass.Double, value: (j, p) => j == 1964 && p == 3 ? 0.5 : 1));
        e = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request));
        Assert.Contains("ff(4,1965) is 0.5; Frey Face's pixels are whole numbers from 0 to 255", e.Message);

        File.WriteAllBytes(path, new W().Numeric("faces", MatClass.UInt8, [1, 1], [0], W.MiUInt8).ToBytes());
        e = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request));
        Assert.Contains("has no variable 'ff' (variables: faces: uint8 1×1)", e.Message);

        File.Delete(path);
        var missing = Assert.Throws<DatasetUnavailableException>(() => DatasetCatalog.Load(request with { CacheDir = _dir.File("cache") }));
        Assert.Contains("lacks frey_rawface.mat;", missing.Message);
        Assert.Contains("as published, a MAT-file", missing.Message);
    }

    [Fact]
    public void Frey_face_downloads_from_a_mirror_with_its_checksum_into_the_cache()
    {
        byte[] file = SyntheticFrey();
        using var server = new LocalHttpServer();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(20) };
        server.Serve("/roweis/frey_rawface.mat", new(200, file));
        var sha = Convert.ToHexStringLower(SHA256.HashData(file));
        var request = new DatasetRequest
        {
            Name = "frey-face", Split = "test", CacheDir = _dir.Path,
            Downloader = new DatasetDownloader(http, [new RemoteDataset("frey-face", [server.Mirror("roweis")], [new RemoteFile("frey_rawface.mat", sha)])]),
        };
        Assert.Equal(200, DatasetCatalog.Load(request).Count);
        Assert.Equal(file, File.ReadAllBytes(Path.Combine(_dir.Path, "frey-face", "frey_rawface.mat")));
        int requests = server.Requests;
        Assert.Equal(1765, DatasetCatalog.Load(request with { Split = "train", AllowDownload = false }).Count);
        Assert.Equal(requests, server.Requests);

        // A file whose checksum differs is not kept.
        using var other = new TempDir();
        var wrong = request with
        {
            CacheDir = other.Path,
            Downloader = new DatasetDownloader(http, [new RemoteDataset("frey-face", [server.Mirror("roweis")], [new RemoteFile("frey_rawface.mat", new string('0', 64))])]),
        };
        var e = Assert.Throws<DatasetUnavailableException>(() => DatasetCatalog.Load(wrong));
        Assert.Contains("checksum mismatch", e.Message);
        Assert.False(File.Exists(Path.Combine(other.Path, "frey-face", "frey_rawface.mat")));
    }

    [Fact]
    public void Default_download_urls_are_the_published_ones()
    {
        static string Url(string name, string file)
        {
            var source = DatasetDownloader.DefaultSources.Single(s => s.Name == name);
            return source.Mirrors[0].AbsoluteUri.TrimEnd('/') + "/" + source.Files.Single(f => f.FileName == file).FileName;
        }
        Assert.Equal("https://cs.nyu.edu/~roweis/data/frey_rawface.mat", Url("frey-face", "frey_rawface.mat"));
        foreach (string split in new[] { "train", "valid", "test" })
            Assert.Equal($"http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/binarized_mnist_{split}.amat",
                Url("binarized-mnist", $"binarized_mnist_{split}.amat"));
    }

    /// <summary>Row r of a synthetic binarized file: pixel p is 1 when (r + p) % 3 == 0.</summary>
    private static string SyntheticAmat(int rows, Func<int, int, string>? cell = null)
    {
        var text = new StringBuilder(rows * 1570);
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < 784; p++)
            {
                if (p > 0) text.Append(' ');
                text.Append(cell?.Invoke(r, p) ?? ((r + p) % 3 == 0 ? "1" : "0"));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Binarized_mnist_test_split_loads_plain_or_gzip(bool gzip)
    {
        byte[] text = Encoding.ASCII.GetBytes(SyntheticAmat(10_000));
        File.WriteAllBytes(_dir.File("binarized_mnist_test.amat" + (gzip ? ".gz" : "")), gzip ? Fixtures.Gzip(text) : text);
        var d = DatasetCatalog.Load(new DatasetRequest { Name = "binarized-mnist", Split = "test", DataDir = _dir.Path, AllowDownload = false });
        Assert.Equal((10_000, 28, 28), (d.Count, d.Width, d.Height));
        Assert.Equal("binarized-mnist/test", d.Name);
        Assert.Null(d.Labels);
        for (int r = 0; r < d.Count; r += 997)
            for (int p = 0; p < 784; p++)
                Assert.Equal((r + p) % 3 == 0 ? 1f : 0f, d.Row(r)[p]);

        var missing = Assert.Throws<DatasetUnavailableException>(() =>
            DatasetCatalog.Load(new DatasetRequest { Name = "binarized-mnist", Split = "valid", DataDir = _dir.Path, AllowDownload = false }));
        Assert.Contains("lacks binarized_mnist_valid.amat (or binarized_mnist_valid.amat.gz)", missing.Message);
    }

    [Fact]
    public void Binarized_mnist_with_wrong_counts_or_values_is_refused()
    {
        var request = new DatasetRequest { Name = "binarized-mnist", Split = "valid", DataDir = _dir.Path, AllowDownload = false };
        string path = _dir.File("binarized_mnist_valid.amat");

        File.WriteAllText(path, SyntheticAmat(3));
        Assert.Equal($"{path}: holds 3 rows, but Larochelle's binarized MNIST valid split has 10000",
            Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request)).Message);

        File.WriteAllText(path, SyntheticAmat(2, (r, p) => r == 1 && p == 5 ? "0.5" : "0"));
        Assert.Contains("holds only 0 and 1", Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request)).Message);
        Assert.Contains("data row 2, value 6 is 0.5", Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request)).Message);

        File.WriteAllText(path, SyntheticAmat(2, (r, p) => r == 1 && p == 5 ? "2" : "0"));
        Assert.Contains("line 2, column 11 (field 6): 2 is outside [0, 1]", Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request)).Message);

        File.WriteAllText(path, "0 1 0\n");
        Assert.Contains("line 1: 3 feature field(s), expected 784", Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request)).Message);

        File.WriteAllText(path, SyntheticAmat(10_001));
        Assert.Contains("line 10001: more than the 10000 rows allowed", Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(request)).Message);
    }

    [Fact]
    public void Real_frey_face_loads_when_present()
    {
        string? path = RealData.FreyFaceFile();
        if (path is null)
        {
            output.WriteLine("SKIPPED: frey_rawface.mat not found (set VAESHARP_FREYFACE_DIR or provide shared/datasets/freyface beside the repo).");
            return;
        }
        string dir = Path.GetDirectoryName(path)!;
        var train = DatasetCatalog.Load(new DatasetRequest { Name = "frey-face", DataDir = dir, AllowDownload = false });
        var test = DatasetCatalog.Load(new DatasetRequest { Name = "frey-face", Split = "test", DataDir = dir, AllowDownload = false });
        Assert.Equal((1765, 200, 20, 28), (train.Count, test.Count, train.Width, train.Height));
        // Face j's pixel p is the file's byte at 184 + 560·j + p (ff is stored plainly as miUINT8; see MatReaderTests).
        byte[] raw = File.ReadAllBytes(path);
        int[] testFaces = DatasetCatalog.FreyFaceIndices("test");
        for (int k = 0; k < test.Count; k++)
            for (int p = 0; p < 560; p += 11)
                Assert.Equal(raw[184 + 560 * testFaces[k] + p] / 255f, test.Row(k)[p]);
    }

    [Fact]
    public void Real_binarized_mnist_loads_every_split_and_matches_the_published_checksums()
    {
        string? dir = RealData.BinarizedMnistDirectory();
        if (dir is null)
        {
            output.WriteLine("SKIPPED: binarized_mnist_*.amat.gz not found (set VAESHARP_BINARIZED_MNIST_DIR or provide shared/datasets/binarized-mnist beside the repo).");
            return;
        }
        var source = DatasetDownloader.DefaultSources.Single(s => s.Name == "binarized-mnist");
        foreach (var (split, rows) in new[] { ("train", 50_000), ("valid", 10_000), ("test", 10_000) })
        {
            string gz = Path.Combine(dir, $"binarized_mnist_{split}.amat.gz");
            using (var stream = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
                Assert.Equal(source.Files.Single(f => f.FileName == $"binarized_mnist_{split}.amat").Checksum,
                    Convert.ToHexStringLower(SHA256.HashData(stream)));
            var d = DatasetCatalog.Load(new DatasetRequest { Name = "binarized-mnist", Split = split, DataDir = dir, AllowDownload = false });
            Assert.Equal((rows, 28, 28), (d.Count, d.Width, d.Height));
            // MNIST-like: about 13 % of the pixels are on, and the top-left corner is always off.
            double on = System.Numerics.Tensors.TensorPrimitives.Sum(d.Features) / d.Features.Length;
            Assert.InRange(on, 0.10, 0.16);
            for (int i = 0; i < d.Count; i++) Assert.Equal(0f, d.Row(i)[0]);
            output.WriteLine($"{split}: {d.Count} rows, {on:P2} of pixels on");
        }
    }
}
