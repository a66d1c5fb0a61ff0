using VaeSharp.Data;
using VaeSharp.Experiments;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Experiments;

public sealed class SparseExperimentTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-sparse-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void TheL1PenaltyMakesTheCodeOfDigitsSparserAtTheSameEngineAndSeed()
    {
        // 1,000 bundled digits, 784-64-16, 3 epochs (30 minibatches), λ = 0 against λ = 0.3. Deterministic (fixed seed,
        // data and thread count), so this passes always or never; with this setup the L1 run's code is far sparser by
        // every measure: more units near zero, a smaller mean |h|, a larger (scale-free) Hoyer sparsity.
        var train = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "train" }).Subset([.. Enumerable.Range(0, 1000)]);
        var test = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "test" }).Subset([.. Enumerable.Range(0, 300)]);
        var o = new ExperimentOptions { Out = _dir, Threads = 2, Seed = 3 };
        var rows = SparseExperiment.Run(o, "mnist-sample", train, test, [0f, 0.3f], [64], 16, 3);
        Assert.Equal(2, rows.Count);
        var (plain, sparse) = (rows[0].Sparsity, rows[1].Sparsity);
        string Describe() => $"λ=0: near zero {plain.NearZeroShare}, |h| {plain.MeanAbsolute}, Hoyer {plain.Hoyer}; λ=0.3: near zero {sparse.NearZeroShare}, |h| {sparse.MeanAbsolute}, Hoyer {sparse.Hoyer}";
        Assert.True(sparse.NearZeroShare.Mean > plain.NearZeroShare.Mean + 5 * (sparse.NearZeroShare.StandardError + plain.NearZeroShare.StandardError), Describe());
        Assert.True(sparse.Hoyer.Mean > plain.Hoyer.Mean + 5 * (sparse.Hoyer.StandardError + plain.Hoyer.StandardError), Describe());
        Assert.True(sparse.MeanAbsolute.Mean < plain.MeanAbsolute.Mean, Describe());
        foreach (var r in rows)
        {
            Assert.Equal(300, r.Error.Count);
            Assert.True(double.IsFinite(r.Error.Mean) && r.Error.Mean > 0 && r.Error.StandardError > 0);
            Assert.Equal(16 * 784, r.Features.Length);
            Assert.Equal(3, r.Epochs);
        }
        foreach (var f in SparseExperiment.Outputs(_dir, "mnist-sample", [0f, 0.3f]))
            Assert.True(File.Exists(f), f);
        var csv = File.ReadAllLines(Path.Combine(_dir, "sparse-mnist-sample.csv"));
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("0,3,300,16,0.05,", csv[1]);
        Assert.StartsWith("0.3,3,300,16,0.05,", csv[2]);
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(_dir, "sparse-mnist-sample-activity.svg")).ToString();
        Assert.Contains("λ = 0.3", svg);
    }

    [Fact]
    public void MeasureScoresTheObjectivesErrorAndDrawsTheDecodersResponseToEachUnit()
    {
        var test = DatasetCatalog.Load(new DatasetRequest { Name = "mnist-sample", Split = "test" }).Subset([.. Enumerable.Range(0, 40)]);
        var model = new Autoencoder(new ModelConfig
        {
            Kind = ModelKind.Ae, InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [], Latent = 3, Decoder = DecoderKind.Gaussian,
        });
        model.Initialize(Initialization.Normal, Rng.ForStream(5, 0), 0.05f);
        var pool = WorkerPool.Single;
        var row = SparseExperiment.Measure(model, test, 1e-3f, pool);

        // The error is the training objective's squared error, per image.
        var terms = new AutoencoderObjective(model).Evaluate(test.Features, 40, Rng.ForStream(5, 1), false);
        Assert.Equal(-terms.Reconstruction / 40, row.Error.Mean, 1e-5 * Math.Abs(row.Error.Mean));

        // With no hidden layers the features are σ(b + a_j w_j) − σ(b): recompute unit 1's from the weights.
        var codes = new float[40 * 3];
        model.EncodeMean(test.Features, 40, codes, pool);
        double sum = 0, sumSq = 0;
        int active = 0;
        for (int i = 0; i < 40; i++)
        {
            float h = codes[i * 3 + 1];
            if (Math.Abs(h) < 1e-3f) continue;
            sum += h; sumSq += (double)h * h; active++;
        }
        Assert.True(active > 0);
        float a = (float)(Math.Sign(sum) * Math.Sqrt(sumSq / active));
        var w = model.Arena.Value(model.Output.Weight);   // [J × D]
        var b = model.Arena.Value(model.Output.Bias!.Value);
        for (int p = 0; p < 784; p += 97)
        {
            double expected = 1 / (1 + Math.Exp(-(b[p] + a * w[784 + p]))) - 1 / (1 + Math.Exp(-b[p]));
            Assert.Equal(expected, row.Features[784 + p], 1e-5);
        }
    }
}
