using VaeSharp.Evaluation;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public class PosteriorImportanceSamplingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void MatchesTheClosedFormOfProbabilisticPca(int latent)
    {
        var model = new LinearGaussianModel(d: 7, j: latent, sigma: 0.5, seed: (ulong)(40 + latent));
        const int n = 60;
        float[] x = model.Sample(n, new Rng(4));
        var est = new double[n];
        var ess = new double[n];
        var settings = new PosteriorImportanceSettings { ImportanceSamples = 4000, Samples = 100, Seed = 6, BatchSize = 16 };
        var result = new PosteriorImportanceSampling(model, settings).Estimate(x, n, est, ess);
        var err = Enumerable.Range(0, n).Select(i => est[i] - model.ExactLogLikelihood(x.AsSpan(i * 7, 7))).ToArray();
        double rms = Math.Sqrt(err.Average(e => e * e));
        output.WriteLine($"J = {latent}: mean error {err.Average():F4}, RMS {rms:F4}, worst {err.Max(Math.Abs):F4}, median ESS {result.MedianEffectiveSamples:F0}, acceptance {result.AcceptanceRate:F3}");
        // Importance sampling with a proposal close to the posterior: the relative variance of the weights is of order
        // one, so with K = 4,000 each log p̂(x) is off by about √(var/K) ≈ 0.02 nats. A missing normalizer of any mixture
        // component, or a proposal density that does not match the draws, costs far more (a scale of 1.5 in 2-D is 0.4 nats).
        Assert.True(rms < 0.05, $"RMS error {rms:F4} nats");
        Assert.True(Math.Abs(err.Average()) < 0.02, $"mean error {err.Average():F4} nats");
        Assert.True(result.MedianEffectiveSamples > 1000, $"median ESS {result.MedianEffectiveSamples:F0} of 4,000");
        Assert.Equal(0, result.LowEffectiveSamples);
        Assert.Equal(est.Average(), result.Estimate.Mean, 12);
    }

    [Fact]
    public void FindsBothModesWhereTheAppendixDEstimatorSeesOne()
    {
        // Posterior: 70 % in a narrow mode, 30 % in a wide one far away (log p(x) = log Z exactly). The model's start is the
        // minor mode; the other chains start at the best prior draws, which lie in the major one. Appendix D's single chain,
        // started at the best of the model's start and prior draws, samples the major mode only and so estimates that mode's
        // mass, log Z + log 0.7 (0.36 nats low); the mixture over chains covers both.
        const double w = 0.3, logZ = -17.0;
        var model = new TwoModeModel(w, logZ);
        const int n = 12;
        var x = new float[n];
        var est = new double[n];
        var result = new PosteriorImportanceSampling(model, new PosteriorImportanceSettings { ImportanceSamples = 4000, Seed = 3 }).Estimate(x, n, est);
        output.WriteLine($"posterior IS: {result.Estimate.Mean:F4} ± {result.Estimate.StandardError:F4}, median ESS {result.MedianEffectiveSamples:F0}");
        Assert.All(est, e => Assert.InRange(e, logZ - 0.05, logZ + 0.05));
        var appendixD = new double[n];
        var d = new MarginalLikelihood(model, new MarginalLikelihoodSettings { Seed = 3 }).Estimate(x, n, appendixD);
        output.WriteLine($"appendix D: {d.Mean:F4} (log Z + log 0.7 = {logZ + Math.Log(0.7):F4})");
        Assert.InRange(d.Mean, logZ + Math.Log(1 - w) - 0.1, logZ + Math.Log(1 - w) + 0.1);
    }

    [Fact]
    public void TrappedInOneModeItSaysSoThroughTheEffectiveSampleSize()
    {
        // One chain at the minor mode (weight 0.001): the major mode is reached only through the prior component, rarely,
        // so a few weights carry the estimate and the effective sample size shows it.
        var model = new TwoModeModel(0.001, -5.0);
        const int n = 6;
        var x = new float[n];
        var est = new double[n];
        var result = new PosteriorImportanceSampling(model, new PosteriorImportanceSettings { Chains = 1, ImportanceSamples = 4000, Seed = 2 })
            .Estimate(x, n, est);
        output.WriteLine($"one chain: {result.Estimate.Mean:F4}, median ESS {result.MedianEffectiveSamples:F1}, low {result.LowEffectiveSamples}");
        Assert.Equal(n, result.LowEffectiveSamples);
    }

    [Fact]
    public void SameSeedGivesIdenticalEstimatesWhateverTheBatchSize()
    {
        var model = new LinearGaussianModel(5, 2, 0.5, 9);
        float[] x = model.Sample(7, new Rng(1));
        var a = new double[7];
        var b = new double[7];
        var settings = new PosteriorImportanceSettings { Samples = 10, BurnIn = 20, ImportanceSamples = 1500, Seed = 3 };
        new PosteriorImportanceSampling(model, settings with { BatchSize = 7 }).Estimate(x, 7, a);
        new PosteriorImportanceSampling(model, settings with { BatchSize = 2 }).Estimate(x, 7, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void RefusesMoreThanFiveLatentDimensions()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PosteriorImportanceSampling(new LinearGaussianModel(8, 6, 0.5, 1)));
        Assert.Contains("at most 5", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PosteriorImportanceSampling(new LinearGaussianModel(8, 2, 0.5, 1),
            new PosteriorImportanceSettings { PriorWeight = 0 }));
    }
}
