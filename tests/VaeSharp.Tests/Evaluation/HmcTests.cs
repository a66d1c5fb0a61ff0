using VaeSharp.Evaluation;

namespace VaeSharp.Tests.Evaluation;

/// <summary>A correlated Gaussian N(m, Σ) over z as a latent variable model whose "posterior" ignores x.</summary>
internal sealed class GaussianTarget : ILatentVariableModel
{
    private readonly double[] _mean;
    private readonly double[,] _precision;
    private readonly double _logNormalizer;

    public GaussianTarget(double[] mean, double[,] covariance)
    {
        _mean = mean;
        Covariance = covariance;
        int j = mean.Length;
        var s = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(covariance);
        _precision = s.Inverse().ToArray();
        _logNormalizer = -0.5 * (j * Math.Log(2 * Math.PI) + s.Cholesky().DeterminantLn);
    }

    public double[,] Covariance { get; }

    public double[] Mean => _mean;

    public int Latent => _mean.Length;

    public int InputSize => 0;

    public int Calls { get; private set; }

    public void LogJoint(ReadOnlySpan<float> x, ReadOnlySpan<double> z, int rows, Span<double> logJoint, Span<double> gradient)
    {
        Calls++;
        int j = Latent;
        Span<double> d = stackalloc double[j];
        for (int r = 0; r < rows; r++)
        {
            for (int a = 0; a < j; a++) d[a] = z[r * j + a] - _mean[a];
            double q = 0;
            for (int a = 0; a < j; a++)
            {
                double pd = 0;
                for (int b = 0; b < j; b++) pd += _precision[a, b] * d[b];
                q += d[a] * pd;
                if (!gradient.IsEmpty) gradient[r * j + a] = -pd;
            }
            logJoint[r] = _logNormalizer - 0.5 * q;
        }
    }

    public void InitialLatents(ReadOnlySpan<float> x, int rows, Span<double> destination)
    {
        // Overdispersed starts, so burn-in has something to do: m + 3 along alternating signs.
        for (int r = 0; r < rows; r++)
            for (int a = 0; a < Latent; a++) destination[r * Latent + a] = _mean[a] + ((r + a) % 2 == 0 ? 3 : -3);
    }
}

public class HmcTests
{
    /// <summary>A 3-D Gaussian with standard deviations from 0.4 to 1.8 and correlations of ±0.4 to 0.85.</summary>
    internal static GaussianTarget Correlated3D()
    {
        double[] sd = [0.4, 1.0, 1.8];
        double[,] corr = { { 1, 0.85, -0.4 }, { 0.85, 1, -0.5 }, { -0.4, -0.5, 1 } };
        var cov = new double[3, 3];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) cov[a, b] = sd[a] * sd[b] * corr[a, b];
        return new GaussianTarget([1.5, -0.5, 2.0], cov);
    }

    /// <summary>Burn-in with dual averaging, then <paramref name="samples"/> transitions; returns every chain's draws [chain][t][j].</summary>
    /// <summary>With <paramref name="accept"/> = 0 the step size stays at <paramref name="stepSize"/> (no adaptation).</summary>
    private static (double[][][] Draws, HmcChains Chains) Run(GaussianTarget target, int chains, int burnIn, int samples, double accept,
        int leapfrog, double stepSize = 0.5)
    {
        // A fixed step is tested as is; adapted ones with the default jitter.
        var hmc = new Hmc(target, new HmcSettings { LeapfrogSteps = leapfrog, InitialStepSize = stepSize, StepSizeJitter = accept > 0 ? 0.5 : 0 });
        var state = new HmcChains(chains, target.Latent, stepSize, seed: 42, firstStream: 1000);
        hmc.Initialize(default, state);
        var adapt = accept > 0 ? new DualAveraging(state, accept) : null;
        for (int i = 0; i < burnIn; i++)
        {
            hmc.Step(default, state);
            adapt?.Update(state);
        }
        adapt?.Finish(state);
        state.ResetCounts();
        int j = target.Latent;
        var draws = new double[chains][][];
        for (int c = 0; c < chains; c++) draws[c] = new double[samples][];
        for (int t = 0; t < samples; t++)
        {
            hmc.Step(default, state);
            for (int c = 0; c < chains; c++) draws[c][t] = state.Positions.AsSpan(c * j, j).ToArray();
        }
        return (draws, state);
    }

    /// <summary>
    /// Mean of f over all draws, and its standard error from the spread of the per-chain means: chains are independent, so
    /// se = sd(chain means)/√C accounts for the autocorrelation within chains (the effective sample size is Var f / se²).
    /// </summary>
    private static (double Mean, double StandardError) ChainMeans(double[][][] draws, Func<double[], double> f)
    {
        int c = draws.Length;
        var m = draws.Select(chain => chain.Average(f)).ToArray();
        double mean = m.Average();
        double var = m.Sum(v => (v - mean) * (v - mean)) / (c - 1);
        return (mean, Math.Sqrt(var / c));
    }

    [Theory]
    [InlineData(0.9, 4, 0.0)]
    [InlineData(0.9, 10, 0.0)]
    [InlineData(0.0, 4, 0.38)]
    public void LeavesACorrelatedGaussianInvariant(double accept, int leapfrog, double fixedStep)
    {
        var target = Correlated3D();
        const int chains = 100, samples = 400;
        var (draws, state) = Run(target, chains, burnIn: 300, samples, accept, leapfrog, fixedStep > 0 ? fixedStep : 0.5);
        if (fixedStep > 0)
            Assert.True(state.AcceptanceRate < 0.7, $"acceptance {state.AcceptanceRate:F3}: the step is too small to test the correction");
        int j = target.Latent;
        // Each first and second moment must lie within 4.5 standard errors of its true value (a two-sided normal tail of
        // 7e-6 per check, 9 checks per case), and mixing must be good enough that the errors are small: an effective sample
        // size of at least 2 % of the 40,000 draws (the widest direction, 4.5× the narrowest, mixes slowest). The fixed step 0.38 lies just below the leapfrog stability limit of the narrowest
        // direction (acceptance below 0.7), where the integrator's energy error is large, so a missing or wrong Metropolis
        // correction would distort the moments by far more than 4.5 s.e.
        for (int a = 0; a < j; a++)
        {
            int ia = a;
            var (mean, se) = ChainMeans(draws, z => z[ia]);
            double variance = target.Covariance[a, a], ess = variance / (se * se);
            Assert.True(ess > 0.02 * chains * samples, $"z{a}: effective sample size {ess:F0} of {chains * samples}");
            Assert.True(Math.Abs(mean - target.Mean[a]) < 4.5 * se, $"E z{a} = {mean:F4} ± {se:F4}, true {target.Mean[a]}");
            for (int b = a; b < j; b++)
            {
                int ib = b;
                var (m2, se2) = ChainMeans(draws, z => (z[ia] - target.Mean[ia]) * (z[ib] - target.Mean[ib]));
                Assert.True(Math.Abs(m2 - target.Covariance[a, b]) < 4.5 * se2,
                    $"Cov(z{a}, z{b}) = {m2:F4} ± {se2:F4}, true {target.Covariance[a, b]:F4}");
            }
        }
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.95)]
    public void DualAveragingReachesTheTargetAcceptance(double target)
    {
        var model = Correlated3D();
        var (_, state) = Run(model, chains: 100, burnIn: 300, samples: 300, accept: target, leapfrog: 4);
        // The realized acceptance over 300 transitions × 100 chains (binomial s.e. ≈ 0.003) must lie within −0.02/+0.05 of
        // the target: the averaged step size dual averaging ends with lands on the safe side of the noisy iterates it averages
        // (with the default jitter, 0.94 for a target of 0.9 here; Stan's users know the same effect). Every single chain's
        // rate must lie within ±0.12 (its own 300 transitions have s.e. ≈ 0.02; its adapted step size
        // varies by some per cent). Dual averaging matches the mean acceptance of its noisy iterates, not the acceptance at
        // their average, so where α(ε) is steep and uneven (on this target between ε ≈ 0.25 and 0.4, the stability limit
        // of the narrowest direction) targets below about 0.85 are overshot by up to 0.15; the paper's 0.9 and above are not.
        Assert.InRange(state.AcceptanceRate, target - 0.02, target + 0.05);
        for (int c = 0; c < state.Count; c++)
        {
            double rate = state.Accepted[c] / (double)state.Transitions;
            Assert.True(Math.Abs(rate - target) < 0.12, $"chain {c}: acceptance {rate:F3}, target {target}");
        }
    }

    [Fact]
    public void AChainDependsOnlyOnItsOwnStreamNotOnItsBatch()
    {
        var model = Correlated3D();
        var hmc = new Hmc(model);
        var all = new HmcChains(6, 3, 0.3, seed: 9, firstStream: 50);
        var first = new HmcChains(3, 3, 0.3, seed: 9, firstStream: 50);
        var second = new HmcChains(3, 3, 0.3, seed: 9, firstStream: 53);
        foreach (var c in new[] { all, first, second }) hmc.Initialize(default, c);
        // The initial positions depend on the row within the batch; align them.
        Array.Copy(all.Positions, 9, second.Positions, 0, 9);
        hmc.Refresh(default, second);
        for (int t = 0; t < 20; t++)
        {
            hmc.Step(default, all);
            hmc.Step(default, first);
            hmc.Step(default, second);
        }
        Assert.Equal(all.Positions, first.Positions.Concat(second.Positions).ToArray());
        Assert.True(all.Accepted.Sum() > 0, "nothing moved");
    }

    [Fact]
    public void LeapfrogStepsAreOneBatchedModelCallEach()
    {
        var model = Correlated3D();
        var hmc = new Hmc(model, new HmcSettings { LeapfrogSteps = 7 });
        var chains = new HmcChains(10, 3, 0.1, 1, 0);
        hmc.Initialize(default, chains);
        int before = model.Calls;
        hmc.Step(default, chains);
        Assert.Equal(7, model.Calls - before);
    }

    [Fact]
    public void RejectsBadSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Hmc(Correlated3D(), new HmcSettings { LeapfrogSteps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Hmc(Correlated3D(), new HmcSettings { TargetAcceptance = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Hmc(Correlated3D(), new HmcSettings { InitialStepSize = double.NaN }));
        var hmc = new Hmc(Correlated3D());
        Assert.Throws<ArgumentException>(() => hmc.Initialize(default, new HmcChains(2, 2, 0.1, 1, 0)));
    }
}
