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
        var em = new MonteCarloEm(vae);
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

    private static (Vae Vae, MonteCarloEm Em, Trainer Trainer, Optimizer Optimizer) Fresh()
    {
        var vae = new Vae(new ModelConfig { InputSize = 12, ImageWidth = 4, ImageHeight = 3, Hidden = [16], Latent = 2, Activation = Activation.Tanh, Decoder = DecoderKind.Bernoulli });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(5));
        var em = new MonteCarloEm(vae, new MonteCarloEmOptions { Seed = 9 });
        var optimizer = new Optimizer(vae.Arena, new OptimizerSettings { Kind = OptimizerKind.Adagrad, LearningRate = 0.05f, Epsilon = 1e-10f });
        return (vae, em, new Trainer(em, optimizer, new TrainerOptions { BatchSize = 50, Seed = 9 }), optimizer);
    }

    [Fact]
    public void RaisesTheMarginalLikelihoodOfSmallGeneratedData()
    {
        const int n = 200;
        float[] x = GeneratedData(n);
        var data = new DataMatrix(x, n, 12);
        var (vae, em, trainer, _) = Fresh();
        var settings = new MarginalLikelihoodSettings { Seed = 4 };
        var before = new double[n];
        new MarginalLikelihood(new VaeLatentModel(vae), settings).Estimate(x, n, before);
        double firstJoint = 0, lastJoint = 0;
        for (int e = 1; e <= 40; e++)
        {
            em.ResetCounts();
            trainer.RunEpoch(data, e);
            // Mean log p(x, z) at the chains' current samples, as the M-step sees them.
            var z = em.Positions.Select(v => (double)v).ToArray();
            var joint = new double[n];
            new VaeLatentModel(vae).LogJoint(x, z, n, joint, []);
            if (e == 1) firstJoint = joint.Average();
            lastJoint = joint.Average();
        }
        var after = new double[n];
        new MarginalLikelihood(new VaeLatentModel(vae), settings).Estimate(x, n, after);
        // Paired over the same 200 datapoints: the mean gain must exceed 4 standard errors of the per-point gains (the
        // estimator's own noise is part of their spread) and be substantial (a tenth of a nat per datapoint).
        var gain = Enumerable.Range(0, n).Select(i => after[i] - before[i]).ToArray();
        double mean = gain.Average(), se = Math.Sqrt(gain.Sum(g => (g - mean) * (g - mean)) / (n - 1) / n);
        output.WriteLine($"log p(x) {before.Average():F3} → {after.Average():F3}: gain {mean:F3} ± {se:F3}; acceptance {em.AcceptanceRate:F3}, ε {em.StepSize:F4}");
        Assert.True(mean > 4 * se && mean > 0.1, $"log p(x) {before.Average():F3} → {after.Average():F3}: gain {mean:F3} ± {se:F3}");
        Assert.True(lastJoint > firstJoint, $"mean log p(x, z) at the samples {firstJoint:F3} → {lastJoint:F3}");
        // The shared step size is tuned toward 90 % acceptance (within the noise of one epoch's 200 transitions).
        Assert.InRange(em.AcceptanceRate, 0.75, 0.99);
    }

    [Fact]
    public void TheTrainerStepsFiveTimesPerMinibatchAndTheEncoderStaysPut()
    {
        float[] x = GeneratedData(120);
        var (vae, em, trainer, optimizer) = Fresh();
        float[] encoderBefore = EncoderValues(vae);
        trainer.RunEpoch(new DataMatrix(x, 120, 12), 1);
        Assert.Equal(3 * 5, optimizer.Steps);   // 120 rows, M = 50: three minibatches, five weight updates each
        Assert.Equal(encoderBefore, EncoderValues(vae));
        Assert.Equal(120 * 2, em.Positions.Length);
        Assert.Equal(120, em.Transitions);
    }

    private static float[] EncoderValues(Vae vae) =>
        [.. vae.Arena.Parameters.Where(p => p.Name.StartsWith("encoder.", StringComparison.Ordinal)).SelectMany(p => vae.Arena.Value(p).ToArray())];

    [Fact]
    public void SameSeedGivesBitIdenticalWeightsAndChains()
    {
        float[] x = GeneratedData(120);
        var data = new DataMatrix(x, 120, 12);
        var (v1, e1, t1, _) = Fresh();
        var (v2, e2, t2, _) = Fresh();
        for (int e = 1; e <= 3; e++) { t1.RunEpoch(data, e); t2.RunEpoch(data, e); }
        Assert.Equal(v1.Arena.Values, v2.Arena.Values);
        Assert.Equal(e1.Positions, e2.Positions);
        Assert.Equal(e1.StepSize, e2.StepSize);
        Assert.Throws<ArgumentException>(() => t1.RunEpoch(new DataMatrix(x, 100, 12), 4));
    }

    [Fact]
    public void RestoreRejectsMissingOrMalformedChainState()
    {
        var (_, em, _, _) = Fresh();
        em.Restore(new Dictionary<string, float[]>(), required: false);   // a new run: nothing to restore
        Assert.Empty(em.Positions);
        Assert.Throws<InvalidDataException>(() => em.Restore(new Dictionary<string, float[]> { ["m"] = [1f] }, required: true));
        Assert.Throws<InvalidDataException>(() => em.Restore(new Dictionary<string, float[]> { [MonteCarloEm.PositionsName] = [1f, 2f, 3f], [MonteCarloEm.StepSizeName] = [0.1f] }, required: true));
        Assert.Throws<InvalidDataException>(() => em.Restore(new Dictionary<string, float[]> { [MonteCarloEm.PositionsName] = [1f, 2f], [MonteCarloEm.StepSizeName] = [-1f] }, required: true));
        Assert.Throws<InvalidDataException>(() => em.Restore(new Dictionary<string, float[]> { [MonteCarloEm.PositionsName] = [1f, float.NaN], [MonteCarloEm.StepSizeName] = [0.1f] }, required: true));
        em.Restore(new Dictionary<string, float[]> { [MonteCarloEm.PositionsName] = [1f, 2f], [MonteCarloEm.StepSizeName] = [0.25f] }, required: true);
        Assert.Equal([1f, 2f], em.Positions);
        Assert.Equal(0.25f, em.StepSize);
    }
}
