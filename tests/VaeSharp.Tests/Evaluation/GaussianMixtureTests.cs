using MathNet.Numerics.Distributions;
using VaeSharp.Evaluation;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public class GaussianMixtureTests
{
    // A well separated 2-D mixture: the means are 16 apart, ≥ 11 standard deviations of every component along the lines
    // joining them.
    internal static readonly double[] TrueWeights = [0.5, 0.3, 0.2];
    internal static readonly double[] TrueMeans = [0, 0, 16, 0, 0, 16];
    internal static readonly double[] TrueCovs = [1, 0.5, 0.5, 1, 2, -0.6, -0.6, 0.5, 0.5, 0, 0, 1.5];

    /// <summary>Draws from a 2-D mixture with a hand-written sampler (independent of <see cref="GaussianMixture.Sample"/>).</summary>
    internal static (float[] x, int[] labels) Draw(double[] w, double[] mu, double[] cov, int n, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[n * 2];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble(), acc = 0;
            int c = 0;
            for (; c < w.Length - 1; c++) { acc += w[c]; if (u < acc) break; }
            labels[i] = c;
            double s11 = cov[c * 4], s21 = cov[c * 4 + 2], s22 = cov[c * 4 + 3];
            double l11 = Math.Sqrt(s11), l21 = s21 / l11, l22 = Math.Sqrt(s22 - l21 * l21);
            double e1 = rng.NextNormal(), e2 = rng.NextNormal();
            x[2 * i] = (float)(mu[2 * c] + l11 * e1);
            x[2 * i + 1] = (float)(mu[2 * c + 1] + l21 * e1 + l22 * e2);
        }
        return (x, labels);
    }

    /// <summary>Index of the fitted component whose mean is nearest to <paramref name="mean"/>.</summary>
    private static int Match(GaussianMixture g, ReadOnlySpan<double> mean)
    {
        int best = -1;
        double bestD = double.PositiveInfinity;
        for (int c = 0; c < g.Components; c++)
        {
            var m = g.Mean(c);
            double d = 0;
            for (int a = 0; a < mean.Length; a++) d += (m[a] - mean[a]) * (m[a] - mean[a]);
            if (d < bestD) { bestD = d; best = c; }
        }
        return best;
    }

    [Fact]
    public void RecoversAKnownThreeComponentMixture()
    {
        const int n = 4000;
        var (x, labels) = Draw(TrueWeights, TrueMeans, TrueCovs, n, seed: 11);
        var g = GaussianMixture.Fit(x, n, 2, new GaussianMixtureOptions { Components = 3, Seed = 3 });
        Assert.True(g.Converged);
        var used = new HashSet<int>();
        for (int c = 0; c < 3; c++)
        {
            int f = Match(g, TrueMeans.AsSpan(c * 2, 2));
            Assert.True(used.Add(f), "two true components matched the same fitted one");
            double w = TrueWeights[c], nc = w * n;
            // Against the truth: 5 standard errors of each estimator at this sample size.
            // weight: √(w(1−w)/N); mean coordinate: √(Σaa/Nc); covariance entry: √((Σaa Σbb + Σab²)/Nc) (Gaussian data).
            Assert.InRange(g.Weights[f], w - 5 * Math.Sqrt(w * (1 - w) / n), w + 5 * Math.Sqrt(w * (1 - w) / n));
            for (int a = 0; a < 2; a++)
            {
                double se = Math.Sqrt(TrueCovs[c * 4 + a * 3] / nc);
                Assert.InRange(g.Mean(f)[a], TrueMeans[c * 2 + a] - 5 * se, TrueMeans[c * 2 + a] + 5 * se);
                for (int b = 0; b < 2; b++)
                {
                    double saa = TrueCovs[c * 4 + a * 3], sbb = TrueCovs[c * 4 + b * 3], sab = TrueCovs[c * 4 + a * 2 + b];
                    double seCov = Math.Sqrt((saa * sbb + sab * sab) / nc);
                    Assert.InRange(g.Covariance(f)[a * 2 + b], sab - 5 * seCov, sab + 5 * seCov);
                }
            }

            // Against the oracle that knows the labels: with components this far apart a point's responsibilities differ from
            // 0 and 1 by more than 1e-9 only if it lies ≥ 5 standard deviations out, which has probability < 1e-3 among 4000
            // draws; so EM must reproduce the per-label maximum-likelihood estimates (plus the 1e-6 ridge) to 1e-6.
            var rows = Enumerable.Range(0, n).Where(i => labels[i] == c).ToArray();
            double mx = rows.Average(i => (double)x[2 * i]), my = rows.Average(i => (double)x[2 * i + 1]);
            double sxx = rows.Average(i => (x[2 * i] - mx) * (x[2 * i] - mx));
            double sxy = rows.Average(i => (x[2 * i] - mx) * (x[2 * i + 1] - my));
            double syy = rows.Average(i => (x[2 * i + 1] - my) * (x[2 * i + 1] - my));
            Assert.Equal((double)rows.Length / n, g.Weights[f], 1e-6);
            Assert.Equal(mx, g.Mean(f)[0], 1e-6);
            Assert.Equal(my, g.Mean(f)[1], 1e-6);
            Assert.Equal(sxx + 1e-6, g.Covariance(f)[0], 1e-6);
            Assert.Equal(sxy, g.Covariance(f)[1], 1e-6);
            Assert.Equal(sxy, g.Covariance(f)[2], 1e-6);
            Assert.Equal(syy + 1e-6, g.Covariance(f)[3], 1e-6);
        }
    }

    [Fact]
    public void EmNeverLowersTheLogLikelihood()
    {
        // Overlapping components (means 2.5 apart) make EM take many small steps; without a ridge EM is exactly monotone.
        double[] mu = [0, 0, 2.5, 0, 0, 2.5];
        const int n = 3000;
        var (x, _) = Draw(TrueWeights, mu, TrueCovs, n, seed: 21);
        var g = GaussianMixture.Fit(x, n, 2, new GaussianMixtureOptions { Components = 3, Ridge = 0, Tolerance = 1e-10, Seed = 4 });
        var h = g.LogLikelihoodHistory;
        Assert.True(h.Count >= 10, $"only {h.Count} iterations: the test would check nothing");
        for (int t = 1; t < h.Count; t++)
            Assert.True(h[t] >= h[t - 1] - 1e-12 * Math.Abs(h[t - 1]), $"iteration {t}: {h[t]:R} < {h[t - 1]:R}");
        Assert.True(h[^1] > h[0] + 1e-3, $"EM did not improve on its initialisation: {h[0]} → {h[^1]}");
        Assert.Equal(h.Count - 1, g.Iterations);
        // The last entry is the log-likelihood of the returned parameters.
        Assert.Equal(h[^1], g.MeanLogLikelihood(x, n), 1e-12);
    }

    [Fact]
    public void SingleGaussianIsTheSampleMeanAndMaximumLikelihoodCovariance()
    {
        const int n = 500, d = 3;
        var rng = new Rng(5);
        var x = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            float a = rng.NextNormal(), b = rng.NextNormal(), c = rng.NextNormal();
            x[i * d] = 1 + a; x[i * d + 1] = -2 + 0.5f * a + b; x[i * d + 2] = 3 * c;
        }
        var mean = new double[d];
        for (int i = 0; i < n; i++) for (int a = 0; a < d; a++) mean[a] += x[i * d + a];
        for (int a = 0; a < d; a++) mean[a] /= n;
        var cov = new double[d * d];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) cov[a * d + b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]) / n;

        const double ridge = 1e-3;
        var direct = GaussianMixture.FitGaussian(x, n, d, ridge);
        var em = GaussianMixture.Fit(x, n, d, new GaussianMixtureOptions { Components = 1, Ridge = ridge });
        foreach (var g in new[] { direct, em })
        {
            Assert.Equal(1.0, g.Weights[0], 1e-14);
            for (int a = 0; a < d; a++) Assert.Equal(mean[a], g.Mean(0)[a], 1e-12);
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) Assert.Equal(cov[a * d + b] + (a == b ? ridge : 0), g.Covariance(0)[a * d + b], 1e-12);
        }
        Assert.True(em.Converged);
        Assert.True(em.Iterations <= 1, $"k = 1 needs one M-step; took {em.Iterations}");
    }

    [Fact]
    public void LogDensityMatchesClosedForms()
    {
        // 1-D mixture against MathNet's normal density.
        var g1 = GaussianMixture.Create([0.25, 0.75], [-1, 2], [0.5, 3]);
        foreach (float v in new[] { -3f, -1f, 0f, 1.5f, 7f })
        {
            double p = 0.25 * Normal.PDF(-1, Math.Sqrt(0.5), v) + 0.75 * Normal.PDF(2, Math.Sqrt(3), v);
            Assert.Equal(Math.Log(p), g1.LogDensity([v]), 1e-12);
        }
        // 2-D Gaussian: −log 2π − ½ log det Σ − ½ (x−μ)ᵀ Σ⁻¹ (x−μ) with the 2×2 inverse written out.
        double s11 = 2, s12 = 0.7, s22 = 1;
        var g2 = GaussianMixture.Create([1], [1, -1], [s11, s12, s12, s22]);
        double det = s11 * s22 - s12 * s12;
        float[] pt = [0.3f, 0.4f];
        double dx = pt[0] - 1.0, dy = pt[1] + 1.0;
        double maha = (s22 * dx * dx - 2 * s12 * dx * dy + s11 * dy * dy) / det;
        Assert.Equal(-Math.Log(2 * Math.PI) - 0.5 * Math.Log(det) - 0.5 * maha, g2.LogDensity(pt), 1e-12);
    }

    [Fact]
    public void SamplesFollowTheMixture()
    {
        var g = GaussianMixture.Create(TrueWeights, TrueMeans, TrueCovs);
        const int n = 20000;
        var x = new float[n * 2];
        var comp = new int[n];
        g.Sample(Rng.ForStream(7, 1), n, x, comp);
        for (int c = 0; c < 3; c++)
        {
            var rows = Enumerable.Range(0, n).Where(i => comp[i] == c).ToArray();
            double w = TrueWeights[c];
            Assert.InRange((double)rows.Length / n, w - 5 * Math.Sqrt(w * (1 - w) / n), w + 5 * Math.Sqrt(w * (1 - w) / n));
            int nc = rows.Length;
            var m = new double[2];
            for (int a = 0; a < 2; a++)
            {
                m[a] = rows.Average(i => (double)x[2 * i + a]);
                double se = Math.Sqrt(TrueCovs[c * 4 + a * 3] / nc);
                Assert.InRange(m[a], TrueMeans[c * 2 + a] - 5 * se, TrueMeans[c * 2 + a] + 5 * se);
            }
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                {
                    double s = rows.Average(i => (x[2 * i + a] - m[a]) * (x[2 * i + b] - m[b]));
                    double saa = TrueCovs[c * 4 + a * 3], sbb = TrueCovs[c * 4 + b * 3], sab = TrueCovs[c * 4 + a * 2 + b];
                    double se = Math.Sqrt((saa * sbb + sab * sab) / nc);
                    Assert.InRange(s, sab - 5 * se, sab + 5 * se);
                }
        }
    }

    [Fact]
    public void SameSeedGivesBitIdenticalFitsOnAnyThreadCount()
    {
        var (x, _) = Draw(TrueWeights, [0, 0, 3, 0, 0, 3], TrueCovs, 1000, seed: 2);
        var options = new GaussianMixtureOptions { Components = 3, Seed = 9, Restarts = 2 };
        var a = GaussianMixture.Fit(x, 1000, 2, options);
        using var pool = new WorkerPool(2);
        var b = GaussianMixture.Fit(x, 1000, 2, options, pool);   // and the thread count changes nothing
        Assert.Equal(a.Weights.ToArray(), b.Weights.ToArray());
        Assert.Equal(a.Means.ToArray(), b.Means.ToArray());
        Assert.Equal(a.Covariances.ToArray(), b.Covariances.ToArray());
        var sa = new float[20]; var sb = new float[20];
        a.Sample(Rng.ForStream(1, 2), 10, sa);
        b.Sample(Rng.ForStream(1, 2), 10, sb);
        Assert.Equal(sa, sb);
    }

    [Fact]
    public void BadInputIsRejectedWithAClearMessage()
    {
        var opts = new GaussianMixtureOptions { Components = 3 };
        Assert.Contains("cannot fit 3", Assert.Throws<ArgumentException>(() => GaussianMixture.Fit(new float[4], 2, 2, opts)).Message);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => GaussianMixture.Fit([0, 1, float.NaN, 2, 3, 4], 3, 2, opts)).Message);
        // Four rows but only two distinct points: k-means++ cannot place three centres.
        Assert.Contains("distinct", Assert.Throws<ArgumentException>(() => GaussianMixture.Fit([0, 0, 1, 1, 0, 0, 1, 1], 4, 2, opts)).Message);
        Assert.Contains("need", Assert.Throws<ArgumentException>(() => GaussianMixture.Fit(new float[5], 3, 2, opts)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianMixture.Fit(new float[8], 4, 2, opts with { Ridge = -1 }));
        Assert.Contains("sum to", Assert.Throws<ArgumentException>(() => GaussianMixture.Create([0.5, 0.6], [0, 1], [1, 1])).Message);
        Assert.Contains("positive definite", Assert.Throws<ArgumentException>(() => GaussianMixture.Create([1], [0, 0], [1, 2, 2, 1])).Message);
        Assert.Contains("symmetric", Assert.Throws<ArgumentException>(() => GaussianMixture.Create([1], [0, 0], [1, 0.5, 0, 1])).Message);
        // A constant coordinate is singular without the ridge and fine with it.
        float[] flat = [0, 5, 1, 5, 2, 5, 3, 5];
        Assert.Contains("positive definite", Assert.Throws<ArgumentException>(() => GaussianMixture.FitGaussian(flat, 4, 2, ridge: 0)).Message);
        Assert.Equal(1e-6, GaussianMixture.FitGaussian(flat, 4, 2).Covariance(0)[3], 1e-12);
    }
}
