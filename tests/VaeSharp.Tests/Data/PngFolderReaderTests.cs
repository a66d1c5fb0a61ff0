using VaeSharp.Data;
using VaeSharp.Tests.Imaging;

namespace VaeSharp.Tests.Data;

public sealed class PngFolderReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private void Write(string relative, byte[] png)
    {
        string path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, png);
    }

    private static byte[] Grey(int w, int h, byte value) => PngBuilder.Grey(w, h, Enumerable.Repeat(value, w * h).ToArray());

    [Fact]
    public void Class_folders_give_sorted_labels_and_names()
    {
        Write("zebra/b.png", Grey(3, 2, 30));
        Write("zebra/a.png", Grey(3, 2, 20));
        Write("ant/x.png", Grey(3, 2, 10));
        Write("ant/notes.txt", "ignored"u8.ToArray());
        Write("ant/.hidden.png", "not even a png"u8.ToArray());
        // An RGB image becomes grey by luma.
        Write("bee/c.png", PngBuilder.Png(PngBuilder.Ihdr(3, 2, 8, 2), PngBuilder.Filter(Enumerable.Repeat((byte)100, 18).ToArray(), 9, 3, [2])));
        var f = PngFolderReader.Read(_dir.Path);
        Assert.Equal(["ant", "bee", "zebra"], f.ClassNames!);
        Assert.Equal([0, 1, 2, 2], f.Labels!);
        Assert.Equal([Path.Combine("ant", "x.png"), Path.Combine("bee", "c.png"), Path.Combine("zebra", "a.png"), Path.Combine("zebra", "b.png")], f.Files);
        Assert.Equal((4, 3, 2), (f.Count, f.Width, f.Height));
        Assert.Equal([10f, 100f, 20f, 30f], Enumerable.Range(0, 4).Select(i => f.Values[i * 6]));

        var d = UserDataset.Load(_dir.Path, new UserDataOptions { TestFraction = 0.25 });
        Assert.Equal(DataFileFormat.PngFolder, UserDataset.DetectFormat(_dir.Path));
        Assert.Equal(3, d.Train.ClassCount);
        Assert.Equal(FeatureScaling.Divide255, d.Source.Scaling);
        Assert.Contains("4 PNG images of 3×2 in 3 class folders", d.Report);
    }

    [Fact]
    public void Flat_folder_has_no_labels()
    {
        Write("1.png", Grey(2, 2, 1));
        Write("2.png", Grey(2, 2, 2));
        var f = PngFolderReader.Read(_dir.Path);
        Assert.Null(f.Labels);
        Assert.Null(f.ClassNames);
        Assert.Equal(2, f.Count);
    }

    [Fact]
    public void The_odd_sized_image_is_named()
    {
        Write("a/1.png", Grey(2, 2, 1));
        Write("b/2.png", Grey(2, 3, 2));
        var e = Assert.Throws<DataFormatException>(() => PngFolderReader.Read(_dir.Path));
        Assert.Equal(Path.Combine(_dir.Path, "b", "2.png"), e.SourcePath);
        Assert.Contains("is 2×3 but the other images", e.Message);
    }

    [Fact]
    public void Broken_files_and_layouts_are_named()
    {
        Write("a/1.png", Grey(2, 2, 1));
        byte[] bad = Grey(2, 2, 1);
        bad[^14] ^= 1;
        Write("a/2.png", bad);
        var e = Assert.Throws<DataFormatException>(() => PngFolderReader.Read(_dir.Path));
        Assert.Equal(Path.Combine(_dir.Path, "a", "2.png"), e.SourcePath);

        File.Delete(Path.Combine(_dir.Path, "a", "2.png"));
        Write("top.png", Grey(2, 2, 1));
        Assert.Contains("use one layout", Assert.Throws<DataFormatException>(() => PngFolderReader.Read(_dir.Path)).Message);

        using var empty = new TempDir();
        Assert.Contains("no .png files", Assert.Throws<DataFormatException>(() => PngFolderReader.Read(empty.Path)).Message);
    }
}
