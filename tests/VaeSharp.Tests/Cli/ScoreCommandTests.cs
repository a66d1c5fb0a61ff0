using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.IO;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Cli;

/// <summary><c>vae sample --sampler</c> and <c>vae score</c>, in-process.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ScoreCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-score-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void SampleWithAFittedSamplerAndScoreWithAGivenClassifier()
    {
        string run = Path.Combine(_dir, "ae");
        var t = CliEndToEndTests.Vae("train", "--model", "ae", "--epochs", "1", "--hidden", "16", "--latent", "2", "--threads", "2", "--out", run);
        Assert.True(t.Code == 0, t.Err);

        string png1 = Path.Combine(_dir, "a.png"), png2 = Path.Combine(_dir, "b.png");
        var s1 = CliEndToEndTests.Vae("sample", "--model", run, "--sampler", "gmm:2", "--count", "12", "--seed", "5", "--out", png1);
        Assert.True(s1.Code == 0, s1.Err);
        Assert.Contains("fitted gmm:2 to 8004 training codes", s1.Err);
        Assert.True(File.Exists(Path.Combine(run, "sampler-gmm-2.json")));
        var s2 = CliEndToEndTests.Vae("sample", "--model", run, "--sampler", "gmm:2", "--count", "12", "--seed", "5", "--out", png2);
        Assert.True(s2.Code == 0, s2.Err);
        Assert.DoesNotContain("fitted", s2.Err); // reused
        Assert.Equal(File.ReadAllBytes(png1), File.ReadAllBytes(png2));

        var bad = CliEndToEndTests.Vae("sample", "--model", run, "--sampler", "gmm:x", "--out", png1);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--sampler", bad.Err);

        // A small classifier saved beforehand, so the command loads it instead of training the default one.
        var train = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "train" });
        var test = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "test" });
        var (cls, info) = FeatureClassifier.Train("mnist-sample", train.Subset([.. Enumerable.Range(0, 500)]), test,
            new FeatureClassifierSettings { Hidden = [16, 8], Epochs = 1 }, WorkerPool.Single);
        string clsDir = Path.Combine(_dir, "classifier");
        ClassifierFile.Save(clsDir, cls, info);
        var sc = CliEndToEndTests.Vae("score", "--model", run, "--sampler", "gaussian", "--count", "40", "--seed", "2", "--classifier", clsDir);
        Assert.True(sc.Code == 0, sc.Err);
        Assert.Contains("feature classifier " + clsDir, sc.Out);
        Assert.Contains("40 images from", sc.Out);
        var lines = sc.Out.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("ae + gaussian", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("training images", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(run, "sampler-gaussian.json")));
    }
}
