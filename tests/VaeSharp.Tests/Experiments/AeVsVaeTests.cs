using System.Globalization;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Experiments;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Experiments;

public sealed class AeVsVaeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-aevsvae-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void RunsEndToEndOnTinySettingsWritesEveryFileAndResumesIdentically()
    {
        var fullTrain = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "train" });
        var fullTest = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "test" });
        var train = fullTrain.Subset([.. Enumerable.Range(0, 600)]);
        var test = fullTest.Subset([.. Enumerable.Range(0, 200)]);
        var (classifier, _) = FeatureClassifier.Train("mnist-sample", train, test,
            new FeatureClassifierSettings { Hidden = [32, 16], Epochs = 1 }, WorkerPool.Single);
        var o = new ExperimentOptions { Out = _dir, BudgetSamples = 600, Threads = 2, Seed = 3 };
        var s = new AeVsVaeSettings { Hidden = [16], Latent = 2, Count = 60, Components = 2, PictureSamples = 12, InterpolationSteps = 5 };

        var (rows, written) = AeVsVae.Run(o, "mnist-sample", train, test, s, classifier);
        string stem = AeVsVae.Stem(o, "mnist-sample", s);
        foreach (var suffix in new[] { "-samples.png", "-interpolation.png", "-latent-map.png", ".csv", ".md" })
        {
            Assert.Contains(stem + suffix, written);
            Assert.True(File.Exists(stem + suffix), suffix);
        }
        foreach (var kind in new[] { "ae", "vae" })
        {
            string run = Path.Combine(_dir, "runs", $"mnist-sample-{kind}-h16-nz2");
            Assert.True(File.Exists(Path.Combine(run, "model.json")), run);
            Assert.True(File.Exists(Path.Combine(run, "sampler-gmm-2.json")), run);
        }
        Assert.Equal(["AE + N(0,I)", "AE + GMM-2", "VAE + N(0,I)", "VAE + GMM-2", "training images"], rows.Select(r => r.Score.Label));
        var csv = File.ReadAllLines(stem + ".csv");
        Assert.Equal(6, csv.Length);
        int columns = csv[0].Split(',').Length;
        Assert.Equal(13, columns);
        foreach (var line in csv.Skip(1))
        {
            var cells = line.Split(',');
            Assert.Equal(columns, cells.Length);
            Assert.Equal("60", cells[2]);
            Assert.True(double.IsFinite(double.Parse(cells[4], CultureInfo.InvariantCulture)));
        }
        var md = File.ReadAllLines(stem + ".md").Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(6, md.Length); // header + 5 rows
        foreach (var r in rows)
        {
            Assert.InRange(r.Score.PrecisionRecall.Precision, 0, 1);
            Assert.InRange(r.Score.PrecisionRecall.Recall, 0, 1);
        }

        // A second run finds both models trained and the samplers fitted: the same table, byte for byte.
        string before = File.ReadAllText(stem + ".csv");
        AeVsVae.Run(o, "mnist-sample", train, test, s, classifier);
        Assert.Equal(before, File.ReadAllText(stem + ".csv"));
    }
}
