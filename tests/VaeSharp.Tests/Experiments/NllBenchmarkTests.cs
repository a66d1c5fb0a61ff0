using VaeSharp.Data;
using VaeSharp.Experiments;

namespace VaeSharp.Tests.Experiments;

/// <summary>The benchmark's paired comparison of two runs' per-image estimates.</summary>
public sealed class NllBenchmarkTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-nllpair-" + Guid.NewGuid().ToString("N"));

    public NllBenchmarkTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string Run(string name, params double[] logPx)
    {
        string dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, NllBenchmark.PerImageFile),
            ["image,log_px,log_px_se,elbo", .. logPx.Select((v, i) => FormattableString.Invariant($"{i},{v:R},0.1,{v - 5:R}"))]);
        return dir;
    }

    [Fact]
    public void PairedGainIsTheMeanOfTheImageByImageDifferencesWithTheirStandardError()
    {
        // Two models whose per-image values vary a lot over images (spread ≈ 30 nats) but differ by 1 ± small amounts:
        // the paired error is that of the differences (≈ 0.1/√4), not of either model's figure.
        string a = Run("a", -80, -120, -95, -140);
        string b = Run("b", -79.1, -118.9, -94.0, -139.0);
        var g = NllBenchmark.PairedGain(a, b);
        Assert.NotNull(g);
        double[] d = [0.9, 1.1, 1.0, 1.0];
        double mean = d.Average(), se = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / 3 / 4);
        Assert.Equal(mean, g.Value.Mean, 12);
        Assert.Equal(se, g.Value.StandardError, 12);
        Assert.Equal(4, g.Value.Count);
        Assert.Equal(-mean, NllBenchmark.PairedGain(b, a)!.Value.Mean, 12);
    }

    [Fact]
    public void NoGainWithoutBothFilesOrOnDifferentImageCounts()
    {
        string a = Run("a", -80, -120);
        string empty = Path.Combine(_dir, "old");
        Directory.CreateDirectory(empty);
        Assert.Null(NllBenchmark.PairedGain(a, empty));
        Assert.Null(NllBenchmark.PairedGain(empty, a));
        Assert.Null(NllBenchmark.PairedGain(a, Run("c", -80, -120, -90)));
    }

    [Fact]
    public void AMalformedPerImageFileIsAnErrorNamingIt()
    {
        string a = Run("a", -80, -120);
        string bad = Path.Combine(_dir, "bad");
        Directory.CreateDirectory(bad);
        string path = Path.Combine(bad, NllBenchmark.PerImageFile);
        File.WriteAllLines(path, ["image,log_px,log_px_se,elbo", "0,-80,0.1,-85", "1,oops,0.1,-85"]);
        var e = Assert.Throws<DataFormatException>(() => NllBenchmark.PairedGain(a, bad));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        File.WriteAllLines(path, ["something else", "0,1"]);
        Assert.Contains("not a per-image file", Assert.Throws<DataFormatException>(() => NllBenchmark.PairedGain(a, bad)).Message);
    }
}
