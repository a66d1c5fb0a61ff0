using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Objectives;

public class IwaeObjectiveTests
{
    private static (Vae vae, float[] x) Small(ModelConfig config, bool binary, float scale = 0.5f)
    {
        var vae = new Vae(config);
        vae.Initialize(Initialization.Normal, new Rng(7), scale);
        var rng = new Rng(11);
        var x = new float[4 * config.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = binary ? (rng.NextFloat() < 0.4f ? 1f : 0f) : 0.1f + 0.8f * rng.NextFloat();
        return (vae, x);
    }

    private static ModelConfig Config(DecoderKind decoder, int[] hidden, GaussianMean mean = GaussianMean.Sigmoid,
        DecoderVariance variance = DecoderVariance.Learned, float? floor = null) => new()
    {
        InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = hidden, Latent = 3, Activation = Activation.Tanh,
        Decoder = decoder, GaussianMean = mean, DecoderVariance = variance, LogVarMin = floor, DecoderSigma = 0.8f,
    };

    public static TheoryData<string, int> GradientCases => new()
    {
        { "bernoulli", 1 }, { "bernoulli", 4 }, { "gaussian", 3 }, { "gaussian-identity-fixed-linear", 5 }, { "gaussian-identity-floor", 2 },
    };

    private static ModelConfig Case(string name) => name switch
    {
        "bernoulli" => Config(DecoderKind.Bernoulli, [5, 4]),
        "gaussian" => Config(DecoderKind.Gaussian, [5]),
        "gaussian-identity-fixed-linear" => Config(DecoderKind.Gaussian, [], GaussianMean.Identity, DecoderVariance.Fixed),
        "gaussian-identity-floor" => Config(DecoderKind.Gaussian, [4], GaussianMean.Identity, DecoderVariance.Learned, floor: -0.2f),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void NegativeBoundGradientMatchesFiniteDifferences(string model, int k)
    {
        var config = Case(model);
        var (vae, x) = Small(config, binary: config.Decoder == DecoderKind.Bernoulli);
        var objective = new IwaeObjective(vae, k);
        double Loss() => -objective.Evaluate(x, 4, new Rng(99), false).Objective / 4;
        GradientCheck.AssertMatches(vae.Arena, Loss, () => objective.Evaluate(x, 4, new Rng(99), true));
    }

    [Theory]
    [InlineData(DecoderKind.Bernoulli)]
    [InlineData(DecoderKind.Gaussian)]
    public void OneSampleIsEstimatorA(DecoderKind decoder)
    {
        var (vae, x) = Small(Config(decoder, [5]), binary: decoder == DecoderKind.Bernoulli);
        var a = new ElboObjective(vae, Estimator.A, 1);
        var iwae = new IwaeObjective(vae, 1);
        vae.Arena.ZeroGradients();
        var ta = a.Evaluate(x, 4, new Rng(5), true);
        float[] ga = (float[])vae.Arena.Gradients.Clone();
        vae.Arena.ZeroGradients();
        var ti = iwae.Evaluate(x, 4, new Rng(5), true);
        float[] gi = vae.Arena.Gradients;
        // Same ε, same decoded rows: the reconstruction sums are the same numbers; log q − log p is computed from ε² in one
        // and from (z − μ)²/σ² in the other, equal up to float rounding.
        Assert.Equal(ta.Reconstruction, ti.Reconstruction);
        Assert.True(Math.Abs(ta.Kl - ti.Kl) <= 1e-5 * (1 + Math.Abs(ta.Kl)), $"KL {ta.Kl} vs {ti.Kl}");
        Assert.True(Math.Abs(ta.Objective - ti.Objective) <= 1e-5 * (1 + Math.Abs(ta.Objective)), $"{ta.Objective} vs {ti.Objective}");
        double maxAbs = 0;
        for (int i = 0; i < ga.Length; i++)
        {
            Assert.True(Math.Abs(ga[i] - gi[i]) <= 1e-5 * (1 + Math.Abs(ga[i])), $"gradient {i}: A {ga[i]} vs IWAE {gi[i]}");
            maxAbs = Math.Max(maxAbs, Math.Abs(ga[i]));
        }
        Assert.True(maxAbs > 1e-2);
    }

    [Fact]
    public void BoundIncreasesWithKInExpectation()
    {
        var (vae, x) = Small(Config(DecoderKind.Bernoulli, [5]), binary: true);
        var means = new List<(int K, double Mean, double Se)>();
        foreach (int k in new[] { 1, 5, 50 })
        {
            var objective = new IwaeObjective(vae, k);
            var rng = new Rng(100 + (ulong)k);
            const int n = 4000;
            double sum = 0, sum2 = 0;
            for (int r = 0; r < n; r++)
            {
                var t = objective.Evaluate(x, 4, rng, false);
                double v = t.Objective / 4;
                sum += v; sum2 += v * v;
                // On every draw the bound is at least the K-sample ELBO on the same samples (log-mean-exp ≥ mean).
                Assert.True(t.Objective >= t.Reconstruction - t.Kl - 1e-9, $"K={k}: bound {t.Objective} below its ELBO {t.Reconstruction - t.Kl}");
            }
            double mean = sum / n;
            means.Add((k, mean, Math.Sqrt((sum2 / n - mean * mean) / n)));
        }
        for (int i = 1; i < means.Count; i++)
        {
            var (k0, m0, s0) = means[i - 1];
            var (k1, m1, s1) = means[i];
            double se = Math.Sqrt(s0 * s0 + s1 * s1);
            Assert.True(m1 - m0 > 4 * se, $"E L_{k1} = {m1:F4} is not above E L_{k0} = {m0:F4} by 4 s.e. ({se:F4})");
        }
    }

    [Fact]
    public void DregKeepsTheDecoderGradientAndTheEncoderGradientsExpectation()
    {
        var (vae, x) = Small(Config(DecoderKind.Bernoulli, [4]), binary: true);
        var standard = new IwaeObjective(vae, 5);
        var dreg = new IwaeObjective(vae, 5, doublyReparameterized: true);
        Assert.True(dreg.DoublyReparameterized);
        var arena = vae.Arena;
        var encoder = arena.Parameters.Where(p => p.Name.StartsWith("encoder.", StringComparison.Ordinal))
            .SelectMany(p => Enumerable.Range(p.Offset, p.Length)).ToArray();
        var decoder = arena.Parameters.Where(p => p.Name.StartsWith("decoder.", StringComparison.Ordinal))
            .SelectMany(p => Enumerable.Range(p.Offset, p.Length)).ToArray();
        const int n = 2000;
        var sumDiff = new double[encoder.Length];
        var sumDiff2 = new double[encoder.Length];
        var sumStd = new double[encoder.Length];
        var sumStd2 = new double[encoder.Length];
        double varStd = 0, varDreg = 0;
        for (int r = 0; r < n; r++)
        {
            arena.ZeroGradients();
            standard.Evaluate(x, 4, new Rng(1000 + (ulong)r), true);
            float[] gs = (float[])arena.Gradients.Clone();
            arena.ZeroGradients();
            dreg.Evaluate(x, 4, new Rng(1000 + (ulong)r), true);
            float[] gd = arena.Gradients;
            foreach (int i in decoder) Assert.Equal(gs[i], gd[i]);
            for (int e = 0; e < encoder.Length; e++)
            {
                double s = gs[encoder[e]], dd = gd[encoder[e]] - s;
                sumDiff[e] += dd; sumDiff2[e] += dd * dd;
                sumStd[e] += s; sumStd2[e] += s * s;
                varDreg += (double)gd[encoder[e]] * gd[encoder[e]];
                varStd += s * s;
            }
        }
        // Σ of squared z-scores of the mean paired difference ~ χ²(P) when the expectations agree: bound it by P + 6√(2P).
        double chi2 = 0;
        int significant = 0;
        for (int e = 0; e < encoder.Length; e++)
        {
            double m = sumDiff[e] / n, se = Math.Sqrt(Math.Max(sumDiff2[e] / n - m * m, 1e-30) / n);
            chi2 += m / se * (m / se);
            double ms = sumStd[e] / n, ses = Math.Sqrt((sumStd2[e] / n - ms * ms) / n);
            if (Math.Abs(ms) > 4 * ses) significant++;
        }
        int pCount = encoder.Length;
        Assert.True(chi2 < pCount + 6 * Math.Sqrt(2.0 * pCount), $"χ² = {chi2:F1} over {pCount} encoder parameters: DReG's mean differs");
        // Not vacuous: the encoder's gradient is measurably non-zero in many components, so a biased estimator would show.
        Assert.True(significant > pCount / 4, $"only {significant} of {pCount} encoder gradients differ from 0 by 4 s.e.");
        // And DReG's point: a smaller second moment of the encoder gradient (Tucker et al. 2019).
        Assert.True(varDreg < varStd, $"E‖g‖² DReG {varDreg / n:G4} vs standard {varStd / n:G4}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FiveThousandSamplesReachTheExactLinearGaussianLikelihood(bool fixedVariance)
    {
        var model = LinearGaussian.Create(d: 6, j: 2, fixedVariance, seed: 31);
        const int rows = 3, replicates = 20;
        float[] x = model.Sample(rows, new Rng(32));
        var objective = new IwaeObjective(model.Vae, 5000);
        var values = new double[rows, replicates];
        for (int r = 0; r < replicates; r++)
        {
            objective.Evaluate(x, rows, new Rng(40 + (ulong)r), false);
            for (int i = 0; i < rows; i++) values[i, r] = objective.LastBounds[i];
        }
        for (int i = 0; i < rows; i++)
        {
            double exact = model.ExactLogLikelihood(x.AsSpan(i * 6, 6));
            double mean = 0, m2 = 0;
            for (int r = 0; r < replicates; r++) mean += values[i, r];
            mean /= replicates;
            for (int r = 0; r < replicates; r++) m2 += (values[i, r] - mean) * (values[i, r] - mean);
            double sd = Math.Sqrt(m2 / (replicates - 1));       // the standard error of one K = 5000 estimate
            Assert.True(sd > 0 && sd < 0.02, $"row {i}: s.e. {sd} — the proposal is not what the test assumes");
            // Each estimate within 4 s.e., and their mean within 3 s.e. of the mean (the bias, ≈ −s.e.²/2, is far smaller).
            for (int r = 0; r < replicates; r++)
                Assert.True(Math.Abs(values[i, r] - exact) < 4 * sd + 1e-4, $"row {i}, replicate {r}: {values[i, r]:F5} vs exact {exact:F5} (s.e. {sd:F5})");
            Assert.True(Math.Abs(mean - exact) < 3 * sd / Math.Sqrt(replicates) + 1e-4, $"row {i}: mean {mean:F5} vs exact {exact:F5} (s.e. {sd / Math.Sqrt(replicates):F5})");
        }
    }
}

public class IwaeTrainingTests
{
    private static (double First, double Last, float[] Weights) Train(int threads, bool dreg)
    {
        using var pool = new WorkerPool(threads);
        var vae = new Vae(new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [32], Latent = 2, Activation = Activation.Tanh });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var objective = new IwaeObjective(vae, 5, dreg, pool);
        Assert.Equal("iwae", objective.Terms.Objective);
        var trainer = new VaeSharp.Training.Trainer(objective,
            new VaeSharp.Training.Optimizer(vae.Arena, VaeSharp.Training.OptimizerSettings.Default(VaeSharp.Training.OptimizerKind.Adam) with { LearningRate = 0.01f }),
            new VaeSharp.Training.TrainerOptions { BatchSize = 20, Seed = 5 }, pool);
        var data = VaeSharp.Tests.Training.TrainerTests.Bars(3);
        double first = trainer.Evaluate(data).Objective / data.Count;
        for (int e = 1; e <= 15; e++) trainer.RunEpoch(data, e);
        double last = trainer.Evaluate(data).Objective / data.Count;
        return (first, last, (float[])vae.Arena.Values.Clone());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainingRaisesTheBoundOnBarsAndDoesNotDependOnThreads(bool dreg)
    {
        var (first, last, weights) = Train(1, dreg);
        // As for the ELBO (TrainerTests): ≈ −11 nats untrained; the bars carry ≈ 4.6 nats, so learning them gets above −8.
        Assert.True(first < -10, $"initial bound {first:F3}");
        Assert.True(last > -8, $"bound after training {last:F3} (from {first:F3})");
        var (_, last2, weights2) = Train(2, dreg);
        Assert.Equal(last, last2);
        Assert.Equal(weights, weights2);
    }
}
