using MathNet.Numerics.LinearAlgebra;
using VaeSharp.Evaluation;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public class PcaTests
{
    /// <summary>A random D × D orthogonal matrix (QR of a Gaussian one).</summary>
    internal static Matrix<double> RandomOrthogonal(int d, ulong seed)
    {
        var rng = Rng.ForStream(seed, 3);
        var g = Matrix<double>.Build.Dense(d, d, (_, _) => rng.NextNormal());
        return g.QR().Q;
    }

    [Fact]
    public void RecoversAnExactlyKnownCovariance()
    {
        // 2D points μ ± aᵢvᵢ: their covariance (divisor N = 2D) is exactly Σᵢ (2aᵢ²/N) vᵢvᵢᵀ.
        const int d = 6;
        var v = RandomOrthogonal(d, 1);
        double[] a = [4, 3, 2, 1.5, 1, 0.5];
        double[] mu = [0.5, -1, 2, 0, 1, 3];
        int n = 2 * d;
        var x = new float[n * d];
        for (int i = 0; i < d; i++)
            for (int s = 0; s < 2; s++)
                for (int c = 0; c < d; c++)
                    x[(2 * i + s) * d + c] = (float)(mu[c] + (s == 0 ? 1 : -1) * a[i] * v[c, i]);
        var pca = Pca.Fit(x, n, d, 3);
        double total = a.Sum(t => 2 * t * t / n);
        Assert.Equal(total, pca.TotalVariance, 1e-5);
        for (int c = 0; c < d; c++) Assert.Equal(mu[c], pca.Mean[c], 1e-6);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(2 * a[i] * a[i] / n, pca.Eigenvalues[i], 1e-5);
            Assert.Equal(2 * a[i] * a[i] / n / total, pca.ExplainedVarianceRatio[i], 1e-6);
            double dot = 0, norm = 0;
            for (int c = 0; c < d; c++) { dot += pca.Component(i)[c] * v[c, i]; norm += pca.Component(i)[c] * pca.Component(i)[c]; }
            Assert.Equal(1.0, norm, 1e-12);
            Assert.Equal(1.0, Math.Abs(dot), 1e-6);
        }
        // Training error = ½ Σ of the discarded eigenvalues.
        double discarded = Enumerable.Range(3, d - 3).Sum(i => 2 * a[i] * a[i] / n);
        Assert.Equal(0.5 * discarded, pca.ReconstructionError(x, n), 1e-5);
    }

    [Fact]
    public void SampleEigenvaluesAndDirectionsAreWithinTheirStandardErrors()
    {
        // N draws of N(μ, V diag(λ) Vᵀ). Asymptotically (Anderson 1963), λ̂ᵢ has standard error λᵢ√(2/N) and the angle between
        // v̂ᵢ and vᵢ has standard deviation √(Σⱼ≠ᵢ λᵢλⱼ/(λᵢ − λⱼ)² / N); 5 of each are allowed.
        const int d = 5, n = 20000;
        double[] lambda = [10, 5, 2, 1, 0.5];
        var v = RandomOrthogonal(d, 2);
        var rng = Rng.ForStream(4, 1);
        var x = new float[n * d];
        var z = new float[d];
        for (int r = 0; r < n; r++)
        {
            rng.FillNormal(z);
            for (int c = 0; c < d; c++)
            {
                double s = 1;
                for (int i = 0; i < d; i++) s += v[c, i] * Math.Sqrt(lambda[i]) * z[i];
                x[r * d + c] = (float)s;
            }
        }
        var pca = Pca.Fit(x, n, d, d);
        var angles = PrincipalAngles.DirectionDegrees(pca.Basis(), v);
        for (int i = 0; i < d; i++)
        {
            Assert.InRange(pca.Eigenvalues[i], lambda[i] * (1 - 5 * Math.Sqrt(2.0 / n)), lambda[i] * (1 + 5 * Math.Sqrt(2.0 / n)));
            double var = Enumerable.Range(0, d).Where(j => j != i).Sum(j => lambda[i] * lambda[j] / Math.Pow(lambda[i] - lambda[j], 2)) / n;
            Assert.True(angles[i] <= 5 * Math.Sqrt(var) * 180 / Math.PI, $"direction {i} is {angles[i]:F3}° off");
        }
    }

    private static (float[] train, float[] test) Correlated(int n, int d, ulong seed)
    {
        // Data with a decaying spectrum in a random basis, like images.
        var v = RandomOrthogonal(d, seed);
        var rng = Rng.ForStream(seed, 9);
        var z = new float[d];
        float[] Draw()
        {
            var x = new float[n * d];
            for (int r = 0; r < n; r++)
            {
                rng.FillNormal(z);
                for (int c = 0; c < d; c++)
                {
                    double s = 0.5;
                    for (int i = 0; i < d; i++) s += v[c, i] * z[i] * 3.0 / (1 + i);
                    x[r * d + c] = (float)s;
                }
            }
            return x;
        }
        return (Draw(), Draw());
    }

    [Fact]
    public void NoOtherSubspaceReconstructsBetter()
    {
        // Eckart–Young: on the data it was fitted to, the PCA subspace (through the mean) minimises the squared error among all
        // m-dimensional affine subspaces. Competitors: small rotations of it (the hardest) and random subspaces.
        const int n = 2000, d = 12, m = 3;
        var (train, test) = Correlated(n, d, 5);
        var pca = Pca.Fit(train, n, d, m);
        double best = pca.ReconstructionError(train, n);
        double bestTest = pca.ReconstructionError(test, n);
        var basis = pca.Basis();
        var rng = Rng.ForStream(6, 1);
        double minRandomTest = double.PositiveInfinity;
        for (int trial = 0; trial < 60; trial++)
        {
            bool small = trial < 30;
            var g = Matrix<double>.Build.Dense(d, m, (_, _) => rng.NextNormal());
            var q = (small ? basis + 0.02 * g : g).QR().Q;
            var rows = q.Transpose().ToRowMajorArray();
            double err = Pca.SubspaceReconstructionError(train, n, d, pca.Mean, rows, m);
            Assert.True(err > best, $"trial {trial}: another subspace reconstructs the training data better ({err:R} < {best:R})");
            if (!small)
                minRandomTest = Math.Min(minRandomTest, Pca.SubspaceReconstructionError(test, n, d, pca.Mean, rows, m));
        }
        // On held-out data PCA is not optimal by theorem, but with 2000 rows it beats every random subspace by far.
        Assert.True(bestTest < minRandomTest, $"test error {bestTest} vs best random {minRandomTest}");
        // A shifted centre is worse too.
        var shifted = pca.Mean.ToArray();
        shifted[0] += 0.05;
        Assert.True(Pca.SubspaceReconstructionError(train, n, d, shifted, pca.ComponentRows, m) > best);
    }

    [Fact]
    public void ProjectAndReconstructAgreeWithTheErrorAndRoundTrip()
    {
        const int n = 700, d = 10, m = 4;
        var (x, _) = Correlated(n, d, 7);
        using var pool = new WorkerPool(2);
        var pca = Pca.Fit(x, n, d, m, pool);
        var codes = new float[n * m];
        var xhat = new float[n * d];
        pca.Project(x, n, codes, pool);
        pca.Reconstruct(codes, n, xhat, pool);
        double err = 0;
        for (int i = 0; i < x.Length; i++) err += 0.5 * (x[i] - xhat[i]) * (double)(x[i] - xhat[i]);
        Assert.Equal(pca.ReconstructionError(x, n), err / n, 1e-4);
        // Codes are centred and uncorrelated with variances λᵢ.
        for (int i = 0; i < m; i++)
        {
            double mean = 0, var = 0;
            for (int r = 0; r < n; r++) mean += codes[r * m + i];
            mean /= n;
            for (int r = 0; r < n; r++) var += (codes[r * m + i] - mean) * (codes[r * m + i] - mean);
            Assert.Equal(0, mean, 1e-4);
            Assert.Equal(pca.Eigenvalues[i], var / n, 1e-3 * pca.Eigenvalues[i]);
        }
        // Keeping every component reconstructs exactly (to float rounding).
        var full = Pca.Fit(x, n, d, d);
        Assert.InRange(full.ReconstructionError(x, n), 0, 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => Pca.Fit(x, n, d, d + 1));
    }
}
