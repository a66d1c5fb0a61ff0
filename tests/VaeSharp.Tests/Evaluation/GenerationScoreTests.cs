using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public sealed class GenerationScoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-genscore-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A random data set of 4×4 images with labels 0..2.</summary>
    private static Dataset Random(string name, int rows, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[rows * 16];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
        var labels = new byte[rows];
        for (int i = 0; i < rows; i++) labels[i] = (byte)(i % 3);
        return new Dataset(name, 4, 4, x, labels, 3);
    }

    private static Classifier RandomClassifier()
    {
        var c = new Classifier(new ClassifierConfig { InputSize = 16, Hidden = [12, 6], Classes = 3 });
        c.Initialize(Initialization.Normal, new Rng(5), 0.5f);
        return c;
    }

    [Fact]
    public void ScoringTheTestImagesThemselvesGivesZeroDistanceAndFullPrecisionAndRecall()
    {
        var train = Random("train", 300, 1);
        var test = Random("test", 120, 2);
        var score = new GenerationScore(RandomClassifier(), train, test);
        var r = score.Score("test", test.Features, test.Count, 0);
        var f = score.Features(test.Features, test.Count);
        var m = GenerationMetrics.Moments(f, test.Count, 6);
        double trace = 0;
        for (int a = 0; a < 6; a++) trace += m.Covariance[a * 6 + a];
        Assert.InRange(Math.Abs(r.Frechet), 0, 1e-6 * trace);
        Assert.Equal(1.0, r.PrecisionRecall.Precision);
        Assert.Equal(1.0, r.PrecisionRecall.Recall);
        // The same images as generated and as test: equal nearest-training distances.
        Assert.Equal(r.Memorisation.TestMean, r.Memorisation.GeneratedMean, 12);
    }

    [Fact]
    public void AgreesWithTheMetricsComputedDirectly()
    {
        var train = Random("train", 200, 3);
        var test = Random("test", 90, 4);
        var generated = Random("gen", 70, 6).Features;
        var cls = RandomClassifier();
        var score = new GenerationScore(cls, train, test);
        var r = score.Score("g", generated, 70, 9);
        var fg = new float[70 * 6];
        var ft = new float[90 * 6];
        cls.Features(generated, 70, fg);
        cls.Features(test.Features, 90, ft);
        Assert.Equal(GenerationMetrics.FrechetDistance(fg, 70, ft, 90, 6), r.Frechet, 9);
        Assert.Equal(GenerationMetrics.KnnPrecisionRecall(ft, 90, fg, 70, 6, 3), r.PrecisionRecall);
        var memo = GenerationMetrics.Memorisation(generated, 70, test.Features, 90, train.Features, 200, 16);
        Assert.Equal(memo, r.Memorisation);
        Assert.Equal(70, r.Count);
        Assert.Equal(9UL, r.Seed);
    }

    [Fact]
    public void TheTrainingImageReferenceCopiesAndIsSeeded()
    {
        var train = Random("train", 150, 7);
        var test = Random("test", 60, 8);
        var score = new GenerationScore(RandomClassifier(), train, test);
        var a = score.ScoreTrainingImages(50, 3);
        var b = score.ScoreTrainingImages(50, 3);
        var c = score.ScoreTrainingImages(50, 4);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Frechet, c.Frechet);
        Assert.Equal(0.0, a.Memorisation.GeneratedMean);
        Assert.Equal(150, score.ScoreTrainingImages(1000, 3).Count); // all of them when fewer than asked
    }

    [Fact]
    public void ClassifierFileRoundTripsAndRejectsMalformedFolders()
    {
        var cls = RandomClassifier();
        var info = new ClassifierInfo("toy", 300, 2, 50, 1e-3f, 5, 120, 0.5);
        ClassifierFile.Save(_dir, cls, info);
        var (back, backInfo) = ClassifierFile.Load(_dir);
        Assert.Equal(cls.Arena.Values, back.Arena.Values);
        Assert.Equal(info, backInfo);
        Assert.Equal([12, 6], back.Config.Hidden);
        // PyTorch layout: hidden.0.weight is [out × in] = [12 × 16].
        var t = SafeTensors.Read(Path.Combine(_dir, ClassifierFile.WeightsFile))["hidden.0.weight"];
        Assert.Equal([12, 16], t.Shape);

        string manifest = Path.Combine(_dir, ClassifierFile.ManifestFile);
        string good = File.ReadAllText(manifest);
        File.WriteAllText(manifest, good.Replace("\"hidden\": [\n    12,", "\"hidden\": [\n    13,"));
        var e = Assert.Throws<InvalidDataException>(() => ClassifierFile.Load(_dir));
        Assert.Contains(ClassifierFile.WeightsFile, e.Message);
        File.WriteAllText(manifest, good.Replace("vaesharp-classifier", "something-else"));
        e = Assert.Throws<InvalidDataException>(() => ClassifierFile.Load(_dir));
        Assert.Contains(manifest, e.Message);
        File.WriteAllText(manifest, "{ not json");
        Assert.Throws<InvalidDataException>(() => ClassifierFile.Load(_dir));
        File.WriteAllText(manifest, good.Replace("\"hidden\": [\n    12,", "\"hidden\": [\n    2000000000,"));
        e = Assert.Throws<InvalidDataException>(() => ClassifierFile.Load(_dir));
        Assert.Contains("parameters", e.Message);
    }

    [Fact]
    public void FeatureClassifierIsTrainedOnceThenLoaded()
    {
        var train = Random("train", 300, 1);
        var test = Random("test", 60, 2);
        var settings = new FeatureClassifierSettings { Hidden = [8, 4], Epochs = 1, BatchSize = 50 };
        int calls = 0;
        var (m1, i1, t1) = FeatureClassifier.LoadOrTrain(_dir, "toy", () => { calls++; return (train, test); }, settings, WorkerPool.Single);
        var (m2, i2, t2) = FeatureClassifier.LoadOrTrain(_dir, "toy", () => { calls++; return (train, test); }, settings, WorkerPool.Single);
        Assert.True(t1);
        Assert.False(t2);
        Assert.Equal(1, calls);
        Assert.Equal(m1.Arena.Values, m2.Arena.Values);
        Assert.Equal(i1, i2);
        Assert.Equal(m1.Accuracy(test.Features, test.Labels, test.Count), i1.TestAccuracy);
    }
}
