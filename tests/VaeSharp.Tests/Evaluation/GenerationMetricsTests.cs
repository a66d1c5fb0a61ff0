using VaeSharp.Evaluation;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public class GenerationMetricsTests
{
    private static float[] Normal(int rows, int dim, ulong seed, float shift = 0, float scale = 1)
    {
        var x = new float[rows * dim];
        Rng.ForStream(seed, 1).FillNormal(x);
        for (int i = 0; i < x.Length; i++) x[i] = shift + scale * x[i];
        return x;
    }

    [Fact]
    public void MomentsMatchTheNaiveDoubleComputation()
    {
        const int n = 2500, d = 40;   // more rows than one Gemm block
        var x = Normal(n, d, 1, shift: 3f);
        for (int i = 0; i < n; i++) x[i * d + 1] = 0.5f * x[i * d] + x[i * d + 1];   // some correlation
        using var pool = new WorkerPool(2);
        var fast = GenerationMetrics.Moments(x, n, d, pool);
        var slow = GenerationMetrics.MomentsReference(x, n, d);
        for (int a = 0; a < d; a++) Assert.Equal(slow.Mean[a], fast.Mean[a], 1e-12);
        // Float products of centred data: relative error ~1e-6 of the variances (≈ 1 here).
        for (int t = 0; t < d * d; t++) Assert.Equal(slow.Covariance[t], fast.Covariance[t], 1e-5);
        var single = GenerationMetrics.Moments(x, n, d);
        Assert.Equal(single.Covariance, fast.Covariance);   // thread count does not change a bit
    }

    [Fact]
    public void FrechetDistanceOfASetToItselfIsZero()
    {
        const int n = 1000, d = 16;
        var x = Normal(n, d, 2);
        var m = GenerationMetrics.Moments(x, n, d);
        double trace = Enumerable.Range(0, d).Sum(a => m.Covariance[a * d + a]);
        Assert.InRange(GenerationMetrics.FrechetDistance(m, m), -1e-10 * trace, 1e-10 * trace);
    }

    [Fact]
    public void FrechetDistanceMatchesClosedForms()
    {
        // Commuting (diagonal) covariances: ‖δ‖² + Σᵢ (√aᵢ − √bᵢ)².
        double[] va = [1, 4, 0.25], vb = [9, 1, 0.25];
        var a = new FeatureMoments(10, 3, [0, 1, 2], Diag(va));
        var b = new FeatureMoments(10, 3, [1, 1, 0], Diag(vb));
        double expected = 1 + 4 + Enumerable.Range(0, 3).Sum(i => Math.Pow(Math.Sqrt(va[i]) - Math.Sqrt(vb[i]), 2));
        Assert.Equal(expected, GenerationMetrics.FrechetDistance(a, b), 1e-12);

        // Non-commuting 2×2: tr (Σ₁^½ Σ₂ Σ₁^½)^½ = √(tr Σ₁Σ₂ + 2 √(det Σ₁ det Σ₂)), since for a 2×2 PSD M, (tr √M)² = tr M + 2√det M.
        double[] s1 = [2, 0.8, 0.8, 1], s2 = [0.5, -0.3, -0.3, 3];
        double trProd = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
        double det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2];
        double trSqrt = Math.Sqrt(trProd + 2 * Math.Sqrt(det1 * det2));
        var c = new FeatureMoments(10, 2, [0, 0], s1);
        var e = new FeatureMoments(10, 2, [0.5, -1], s2);
        Assert.Equal(1.25 + 3 + 3.5 - 2 * trSqrt, GenerationMetrics.FrechetDistance(c, e), 1e-12);
        Assert.Equal(GenerationMetrics.FrechetDistance(c, e), GenerationMetrics.FrechetDistance(e, c), 1e-12);   // symmetric
    }

    private static double[] Diag(double[] v)
    {
        var m = new double[v.Length * v.Length];
        for (int i = 0; i < v.Length; i++) m[i * v.Length + i] = v[i];
        return m;
    }

    [Fact]
    public void ShiftingASetByDeltaGivesExactlyTheSquaredShift()
    {
        // The same points moved by δ: identical covariances (to float rounding of the shift), so FD = ‖δ‖².
        const int n = 2000, d = 10;
        var x = Normal(n, d, 3);
        foreach (float s in new[] { 0.1f, 1f, 3f })
        {
            var y = (float[])x.Clone();
            for (int i = 0; i < n; i++) y[i * d] += s;   // δ = s·e₁
            Assert.Equal(s * s, GenerationMetrics.FrechetDistance(x, n, y, n, d), 1e-4);
        }
    }

    [Fact]
    public void FrechetDistanceBetweenIndependentSamplesIsTheSquaredShiftWithinSamplingError()
    {
        // X ~ N(0, I), Y ~ N(δ, I) independent, N rows each in D dimensions. E‖x̄ − ȳ‖² = ‖δ‖² + 2D/N with standard deviation
        // ≈ √(8‖δ‖²/N + 8D/N²); the covariance term is ≈ ¼‖S₁ − S₂‖²_F ≈ (D² + D)/(2N) (second order at Σ = I).
        const int n = 20000, d = 8;
        var x = Normal(n, d, 4);
        var noise = Normal(n, d, 5);
        double previous = -1;
        foreach (double shift in new[] { 0.0, 0.25, 0.5, 1.0, 2.0 })
        {
            var y = (float[])noise.Clone();
            double per = shift / Math.Sqrt(d);   // δ spread over all coordinates, ‖δ‖ = shift
            for (int i = 0; i < y.Length; i++) y[i] += (float)per;
            double fd = GenerationMetrics.FrechetDistance(x, n, y, n, d);
            double delta2 = shift * shift, bias = 2.0 * d / n, covTerm = (d * d + d) / (2.0 * n);
            double sd = Math.Sqrt(8 * delta2 / n + 8.0 * d / ((double)n * n));
            Assert.InRange(fd, delta2 + bias - 5 * sd, delta2 + bias + 2 * covTerm + 5 * sd);
            Assert.True(fd > previous, $"FD {fd} at shift {shift} did not grow from {previous}");
            previous = fd;
        }
    }

    [Fact]
    public void NearestNeighbourSearchEqualsTheNaiveLoop()
    {
        // Large offsets make the float expansion ‖q‖² + ‖r‖² − 2q·r lose most digits: the error bounds must catch every case.
        const int nq = 120, nr = 2100, d = 20;   // more reference rows than one block
        var q = Normal(nq, d, 6, shift: 100f, scale: 0.5f);
        var r = Normal(nr, d, 7, shift: 100f, scale: 0.5f);
        for (int i = 0; i < 30; i++) r.AsSpan((i * 37) * d, d).CopyTo(q.AsSpan(i * d, d));   // some exact copies
        using var pool = new WorkerPool(2);
        var slow = NearestNeighbors.KNearestSquaredReference(q, nq, r, nr, d, 3, false);
        foreach (int k in new[] { 1, 3 })
        {
            var fast = new double[nq * k];
            NearestNeighbors.KNearestSquared(q, nq, r, nr, d, k, false, fast, pool);
            for (int i = 0; i < nq; i++)
                for (int t = 0; t < k; t++) Assert.Equal(slow[i * 3 + t], fast[i * k + t], 1e-12 * Math.Max(1, slow[i * 3 + t]));
        }
        var nn = new double[nq];
        NearestNeighbors.NearestDistances(q, nq, r, nr, d, nn, pool);
        for (int i = 0; i < 30; i++) Assert.Equal(0.0, nn[i]);   // copies of reference points: exactly 0

        const int ns = 500;   // k-NN radii within a set (own row excluded)
        var self = new double[ns * 3];
        NearestNeighbors.KNearestSquared(r, ns, r, ns, d, 3, true, self, pool);
        var selfSlow = NearestNeighbors.KNearestSquaredReference(r, ns, r, ns, d, 3, true);
        for (int t = 0; t < self.Length; t++) Assert.Equal(selfSlow[t], self[t], 1e-12 * Math.Max(1, selfSlow[t]));

        var radii = new double[ns];
        for (int j = 0; j < ns; j++) radii[j] = self[j * 3 + 2];
        int count = NearestNeighbors.CountWithin(q, nq, r, ns, d, radii, default, pool);
        Assert.Equal(NearestNeighbors.CountWithinReference(q, nq, r, ns, d, radii), count);
        Assert.InRange(count, 31, nq - 1);   // neither all nor none: the comparison decides something
    }

    [Fact]
    public void PrecisionAndRecallAreOneForIdenticalSetsAndZeroForDisjointOnes()
    {
        const int n = 400, d = 8;
        var real = Normal(n, d, 8);
        var same = GenerationMetrics.KnnPrecisionRecall(real, n, (float[])real.Clone(), n, d);
        Assert.Equal(1.0, same.Precision);
        Assert.Equal(1.0, same.Recall);
        Assert.Equal(3, same.K);

        // 20 units away, the k-NN radii of unit Gaussians in 8-D (a few units) cannot reach the other set.
        var far = Normal(n, d, 9, shift: 20f / MathF.Sqrt(d));
        var disjoint = GenerationMetrics.KnnPrecisionRecall(real, n, far, n, d);
        Assert.Equal(0.0, disjoint.Precision);
        Assert.Equal(0.0, disjoint.Recall);

        // Generated samples collapsed onto one mode: precision stays high, recall drops.
        var collapsed = Normal(n, d, 10, scale: 0.05f);
        var modeCollapse = GenerationMetrics.KnnPrecisionRecall(real, n, collapsed, n, d);
        Assert.True(modeCollapse.Precision > 0.9, $"precision {modeCollapse.Precision}");
        Assert.True(modeCollapse.Recall < 0.2, $"recall {modeCollapse.Recall}");
    }

    [Fact]
    public void MemorisationSeparatesCopiesFromFreshSamples()
    {
        const int nTrain = 2000, nTest = 600, d = 6;
        var train = Normal(nTrain, d, 11);
        var test = Normal(nTest, d, 12);
        var copies = new float[nTest * d];
        for (int i = 0; i < nTest; i++) train.AsSpan(i * 3 * d, d).CopyTo(copies.AsSpan(i * d, d));
        var copied = GenerationMetrics.Memorisation(copies, nTest, test, nTest, train, nTrain, d);
        Assert.Equal(0.0, copied.GeneratedMean);
        Assert.Equal(0.0, copied.MeanRatio);
        Assert.True(copied.TestMean > 0);

        // Fresh draws from the training distribution: the ratio is 1 within 5 standard errors of the two means.
        var fresh = Normal(nTest, d, 13);
        var ok = GenerationMetrics.Memorisation(fresh, nTest, test, nTest, train, nTrain, d);
        var g = new double[nTest]; var t = new double[nTest];
        NearestNeighbors.NearestDistances(fresh, nTest, train, nTrain, d, g);
        NearestNeighbors.NearestDistances(test, nTest, train, nTrain, d, t);
        Assert.Equal(g.Average(), ok.GeneratedMean, 1e-12);
        Assert.Equal(GenerationMetrics.Median(t), ok.TestMedian, 1e-12);
        double se = Math.Sqrt(Variance(g) / nTest + Variance(t) / nTest) / ok.TestMean;
        Assert.InRange(ok.MeanRatio, 1 - 5 * se, 1 + 5 * se);
    }

    private static double Variance(double[] v)
    {
        double m = v.Average();
        return v.Sum(x => (x - m) * (x - m)) / (v.Length - 1);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        Assert.Throws<ArgumentException>(() => GenerationMetrics.Moments(new float[3], 1, 3));
        Assert.Throws<ArgumentException>(() => GenerationMetrics.Moments(new float[5], 2, 3));
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => GenerationMetrics.Moments([0, float.NaN, 1, 2], 2, 2)).Message);
        Assert.Throws<ArgumentException>(() => GenerationMetrics.FrechetDistance(
            new FeatureMoments(2, 1, [0], [1]), new FeatureMoments(2, 2, [0, 0], [1, 0, 0, 1])));
        Assert.Contains("k = 3", Assert.Throws<ArgumentException>(() => GenerationMetrics.KnnPrecisionRecall(new float[6], 3, new float[6], 3, 2)).Message);
    }
}
