using VaeSharp.Data;
using VaeSharp.Experiments;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Experiments;

public sealed class DenoisingExperimentTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-denoise-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void PsnrIsTenLogOfOneOverTheMeanSquaredError()
    {
        float[] a = [0f, 0.5f, 1f, 0.25f], b = [0.1f, 0.5f, 0.9f, 0.25f];
        double mse = (0.01 + 0 + 0.01 + 0) / 4;
        Assert.Equal(10 * Math.Log10(1 / mse), DenoisingExperiment.Psnr(a, b), 4);
        Assert.True(double.IsPositiveInfinity(DenoisingExperiment.Psnr(a, a)));
    }

    [Fact]
    public void DenoisingAutoencodersRaiseThePsnrOfNoisyDigits()
    {
        // 2,000 bundled digits, a small network and 3 epochs (60 minibatches) clean Gaussian and salt-and-pepper noise well
        // above the corrupted input; masking needs a trained model (docs/AUTOENCODERS.md: +6.75 dB on MNIST), since most of
        // a masked digit's pixels are background that masking leaves right.
        var train = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "train" }).Subset([.. Enumerable.Range(0, 2000)]);
        var test = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "test" }).Subset([.. Enumerable.Range(0, 300)]);
        var o = new ExperimentOptions { Out = _dir, Threads = 2, Seed = 1 };
        var rows = DenoisingExperiment.Run(o, "mnist-sample", train, test, [Corruption.Parse("salt-pepper:0.2"), Corruption.Parse("gaussian:0.3")], [64], 16, 3);
        Assert.Equal(2, rows.Count);
        foreach (var r in rows)
        {
            Assert.Equal(300, r.Images);
            // A gain of at least 1 dB, many standard errors above 0.
            Assert.True(r.Gain > 1 && r.Gain > 5 * r.GainStandardError, $"{r.Noise}: gain {r.Gain:F2} ± {r.GainStandardError:F2} dB");
        }
        foreach (var f in new[] { "denoising-mnist-sample.md", "denoising-mnist-sample.csv", "denoising-mnist-sample.png" })
            Assert.True(File.Exists(Path.Combine(_dir, f)), f);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_dir, "denoising-mnist-sample.csv")).Length);
    }
}
