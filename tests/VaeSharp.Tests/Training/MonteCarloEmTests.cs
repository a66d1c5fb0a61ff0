using VaeSharp.Evaluation;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

public class MonteCarloEmTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(DecoderKind.Bernoulli)]
    [InlineData(DecoderKind.Gaussian)]
    public void DecoderUpdateGradientMatchesFiniteDifferences(DecoderKind decoder)
    {
        var vae = new Vae(new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [5, 4], Latent = 2, Activation = Activation.Tanh, Decoder = decoder });
        vae.Initialize(Initialization.Normal, new Rng(7), scale: 0.5f);
        var rng = new Rng(3);
        var x = new float[4 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = decoder == DecoderKind.Bernoulli ? (rng.NextFloat() < 0.4f ? 1 : 0) : 0.1f + 0.8f * rng.NextFloat();
        var z = new double[4 * 2];
        for (int i = 0; i < z.Length; i++) z[i] = rng.NextNormal();
        var em = new MonteCarloEm(vae, new Optimizer(vae.Arena, new OptimizerSettings()));
        GradientCheck.AssertMatches(vae.Arena, () => em.DecoderLoss(x, z, 4, false), () => em.DecoderLoss(x, z, 4, true));
        // Only the decoder is trained: the encoder's gradients are exactly zero.
        em.DecoderLoss(x, z, 4, true);
        foreach (var p in vae.Arena.Parameters.Where(p => p.Name.StartsWith("encoder.", StringComparison.Ordinal)))
            Assert.All(vae.Arena.Gradient(p).ToArray(), g => Assert.Equal(0f, g));
    }

    /// <summary>200 binary vectors of 12 pixels from a random 2-D latent Bernoulli model.</summary>
    private static float[] GeneratedData(int n)
    {
        const int d = 12;
        var rng = new Rng(123);
        var a = new double[d, 2];
        var c = new double[d];
        for (int p = 0; p < d; p++) { a[p, 0] = 2.5 * rng.NextNormal(); a[p, 1] = 2.5 * rng.NextNormal(); c[p] = rng.NextNormal(); }
        var x = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            double z0 = rng.NextNormal(), z1 = rng.NextNormal();
            for (int p = 0; p < d; p++)
                x[i * d + p] = rng.NextDouble() < 1 / (1 + Math.Exp(-(a[p, 0] * z0 + a[p, 1] * z1 + c[p]))) ? 1 : 0;
        }
        return x;
    }

    private static (Vae Vae, MonteCarloEm Em) Fresh()
    {
        var vae = new Vae(new ModelConfig { InputSize = 12, ImageWidth = 4, ImageHeight = 3, Hidden = [16], Latent = 2, Activation = Activation.Tanh, Decoder = DecoderKind.Bernoulli });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(5));
        var em = new MonteCarloEm(vae, new Optimizer(vae.Arena, new OptimizerSettings { Kind = OptimizerKind.Adagrad, LearningRate = 0.05f, Epsilon = 1e-10f }),
            new MonteCarloEmOptions { BatchSize = 50, Seed = 9 });
        return (vae, em);
    }

    [Fact]
    public void RaisesTheMarginalLikelihoodOfSmallGeneratedData()
    {
        const int n = 200;
        float[] x = GeneratedData(n);
        var data = new DataMatrix(x, n, 12);
        var (vae, em) = Fresh();
        var settings = new MarginalLikelihoodSettings { Seed = 4 };
        var before = new double[n];
        new MarginalLikelihood(new VaeLatentModel(vae), settings).Estimate(x, n, before);
        MonteCarloEmEpoch first = default, last = default;
        for (int e = 1; e <= 40; e++)
        {
            last = em.RunEpoch(data, e);
            if (e == 1) first = last;
        }
        var after = new double[n];
        new MarginalLikelihood(new VaeLatentModel(vae), settings).Estimate(x, n, after);
        // Paired over the same 200 datapoints: the mean gain must exceed 4 standard errors of the per-point gains (the
        // estimator's own noise is part of their spread) and be substantial (a tenth of a nat per datapoint).
        var gain = Enumerable.Range(0, n).Select(i => after[i] - before[i]).ToArray();
        double mean = gain.Average(), se = Math.Sqrt(gain.Sum(g => (g - mean) * (g - mean)) / (n - 1) / n);
        output.WriteLine($"log p(x) {before.Average():F3} → {after.Average():F3}: gain {mean:F3} ± {se:F3}; acceptance {last.AcceptanceRate:F3}, ε {last.StepSize:F4}");
        Assert.True(mean > 4 * se && mean > 0.1, $"log p(x) {before.Average():F3} → {after.Average():F3}: gain {mean:F3} ± {se:F3}");
        Assert.True(last.Result.Train.Objective > first.Result.Train.Objective,
            $"mean log p(x, z) at the samples {first.Result.Train.Objective / n:F3} → {last.Result.Train.Objective / n:F3}");
        // The shared step size is tuned toward 90 % acceptance (within the noise of one epoch's 200 transitions).
        Assert.InRange(last.AcceptanceRate, 0.75, 0.99);
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeightsAndChains()
    {
        float[] x = GeneratedData(120);
        var data = new DataMatrix(x, 120, 12);
        var (v1, e1) = Fresh();
        var (v2, e2) = Fresh();
        for (int e = 1; e <= 3; e++) { e1.RunEpoch(data, e); e2.RunEpoch(data, e); }
        Assert.Equal(v1.Arena.Values, v2.Arena.Values);
        Assert.Equal(e1.Positions, e2.Positions);
        Assert.Throws<ArgumentException>(() => e1.RunEpoch(new DataMatrix(x, 100, 12), 4));
    }
}
