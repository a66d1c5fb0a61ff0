using System.Runtime.InteropServices;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Numerics;

public sealed class GemmTests : IDisposable
{
    private static readonly int[] Sizes = [0, 1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 47, 64, 65, 70];

    private readonly WorkerPool _pool2 = new(2);
    private readonly WorkerPool _pool3 = new(3);

    public void Dispose()
    {
        _pool2.Dispose();
        _pool3.Dispose();
        Gemm.ForcedIsa = Gemm.Isa.Auto;
        Gemm.ParallelThreshold = 0;
    }

    public enum Variant { NN, NT, TN, NNBias }


    private static bool Supported(Gemm.Isa isa) => isa switch
    {
        Gemm.Isa.Avx512 => Gemm.BestIsa == Gemm.Isa.Avx512,
        Gemm.Isa.Avx2 => Gemm.BestIsa is Gemm.Isa.Avx512 or Gemm.Isa.Avx2,
        _ => true,
    };

    private static float[] Random(Rng rng, int length)
    {
        var x = new float[length];
        rng.FillNormal(x);
        return x;
    }

    private static void Fast(Variant v, float[] a, float[] b, float[] bias, float[] c, int m, int k, int n, bool acc, WorkerPool? pool)
    {
        switch (v)
        {
            case Variant.NN: Gemm.MultiplyNN(a, b, c, m, k, n, acc, pool); break;
            case Variant.NT: Gemm.MultiplyNT(a, b, c, m, k, n, acc, pool); break;
            case Variant.TN: Gemm.MultiplyTN(a, b, c, m, k, n, acc, pool); break;
            default: Gemm.MultiplyNNBias(a, b, bias, c, m, k, n, pool); break;
        }
    }

    private static void Reference(Variant v, float[] a, float[] b, float[] bias, float[] c, int m, int k, int n, bool acc)
    {
        switch (v)
        {
            case Variant.NN: GemmReference.MultiplyNN(a, b, c, m, k, n, acc); break;
            case Variant.NT: GemmReference.MultiplyNT(a, b, c, m, k, n, acc); break;
            case Variant.TN: GemmReference.MultiplyTN(a, b, c, m, k, n, acc); break;
            default:
                GemmReference.MultiplyNN(a, b, c, m, k, n, false);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) c[i * n + j] += bias[j];
                break;
        }
    }

    /// <summary>Σ_p |A[i,p]|·|B[p,j]| for element (i, j), in the variant's layout.</summary>
    private static double AbsDot(Variant v, float[] a, float[] b, int m, int k, int n, int i, int j)
    {
        double s = 0;
        for (int p = 0; p < k; p++)
        {
            float av = v == Variant.TN ? a[p * m + i] : a[i * k + p];
            float bv = v == Variant.NT ? b[j * k + p] : b[p * n + j];
            s += Math.Abs((double)av * bv);
        }
        return s;
    }

    /// <summary>
    /// Checks one product against the double-precision oracle.
    /// Tolerance: a float32 FMA chain over k terms (plus, per k block, one addition into C) has a rounding error of at
    /// most about k·u·Σ|a·b| with u = 2⁻²⁴ ≈ 6e-8; for k ≤ 70 that is ≤ 4.2e-6·Σ|a·b|, so 1e-5·(Σ|a·b| + |C₀| + |bias|)
    /// + 1e-6 passes a correct kernel yet fails on any wrong, missing or doubled term (each term is ~1 in size).
    /// </summary>
    private static void CheckOne(Variant v, int m, int k, int n, bool acc, WorkerPool? pool, Rng rng)
    {
        float[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Random(rng, n);
        float[] c0 = Random(rng, m * n); // existing C: must be kept by accumulate, overwritten otherwise
        float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
        Reference(v, a, b, bias, expected, m, k, n, acc);
        Fast(v, a, b, bias, actual, m, k, n, acc, pool);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double scale = AbsDot(v, a, b, m, k, n, i, j) + (acc ? Math.Abs(c0[i * n + j]) : 0) + (v == Variant.NNBias ? Math.Abs(bias[j]) : 0);
                double tol = 1e-5 * scale + 1e-6;
                double err = Math.Abs(actual[i * n + j] - (double)expected[i * n + j]);
                Assert.True(err <= tol,
                    $"{v} m={m} k={k} n={n} acc={acc} threads={pool?.Threads ?? 1} isa={Gemm.ForcedIsa}: C[{i},{j}] = {actual[i * n + j]}, expected {expected[i * n + j]} (tol {tol:g3})");
            }
    }

    [Theory]
    [InlineData("Avx512")]
    [InlineData("Avx2")]
    [InlineData("Scalar")]
    public void AllVariants_MatchReference_OnOddShapes(string isaName)
    {
        var isa = Enum.Parse<Gemm.Isa>(isaName);
        if (!Supported(isa)) return;
        Gemm.ForcedIsa = isa;
        Gemm.ParallelThreshold = -1; // parallelise even tiny products so the partition code is exercised
        var rng = new Rng(20240601);
        var shapes = new List<(int m, int k, int n)> { (0, 0, 0), (1, 1, 1), (0, 5, 3), (3, 0, 5), (5, 3, 0), (70, 70, 70), (1, 70, 65), (65, 1, 70) };
        for (int s = 0; s < 36; s++) shapes.Add((Sizes[rng.NextInt(Sizes.Length)], Sizes[rng.NextInt(Sizes.Length)], Sizes[rng.NextInt(Sizes.Length)]));

        foreach (Variant v in Enum.GetValues<Variant>())
            foreach (bool acc in v == Variant.NNBias ? new[] { false } : new[] { false, true })
                foreach (WorkerPool? pool in new[] { null, _pool3 })
                    foreach (var (m, k, n) in shapes)
                        CheckOne(v, m, k, n, acc, pool, rng);
    }

    [Fact]
    public void LargerShapes_MatchReference_AcrossKBlocksAndPanels()
    {
        // k > KcMax (1024) exercises several k blocks; m > MC and n > NC exercise the ic/jc loops and packed B.
        // Tolerance (see CheckOne) at k ≈ 1500: random-sign rounding error is ~k·u·√k-sized partial sums ≈ 1e-4, far
        // below 1e-5·Σ|a·b| ≈ 1e-2, while a wrong term (size ~1) would still fail.
        Assert.True(Gemm.KcMax < 1500);
        var rng = new Rng(7);
        CheckOne(Variant.NN, 37, 1500, 45, true, _pool3, rng);
        CheckOne(Variant.NT, 45, 1100, 33, false, _pool3, rng);
        CheckOne(Variant.TN, 260, 20, 1100, false, _pool3, rng);
        CheckOne(Variant.NNBias, 250, 1030, 70, false, null, rng);
    }

    private static int[] Bits(float[] x) => MemoryMarshal.Cast<float, int>(x).ToArray();

    [Theory]
    [InlineData(Variant.NN, 100, 784, 500)]
    [InlineData(Variant.NN, 100, 500, 784)]
    [InlineData(Variant.NNBias, 100, 784, 500)]
    [InlineData(Variant.NT, 100, 784, 500)]
    [InlineData(Variant.TN, 784, 100, 500)]
    [InlineData(Variant.TN, 500, 100, 784)]
    [InlineData(Variant.NN, 7, 1300, 1500)]
    [InlineData(Variant.TN, 1300, 9, 20)]
    public void Results_AreBitIdentical_For1_2_3Threads(Variant v, int m, int k, int n)
    {
        var rng = new Rng(99);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Random(rng, n), c0 = Random(rng, m * n);
        foreach (bool acc in new[] { false, true })
        {
            float[] c1 = (float[])c0.Clone(), c2 = (float[])c0.Clone(), c3 = (float[])c0.Clone();
            Fast(v, a, b, bias, c1, m, k, n, acc, null);
            Fast(v, a, b, bias, c2, m, k, n, acc, _pool2);
            Fast(v, a, b, bias, c3, m, k, n, acc, _pool3);
            Assert.Equal(Bits(c1), Bits(c2));
            Assert.Equal(Bits(c1), Bits(c3));
        }
    }

    [Fact]
    public void TrainingShape_MatchesReference()
    {
        // k = 784: tolerance 1e-5·Σ|a·b| still exceeds the typical error by far (the worst case k·u ≈ 4.7e-5·Σ is never
        // approached with random signs); this checks the product at its real training size.
        var rng = new Rng(3);
        CheckOne(Variant.NT, 100, 784, 500, false, _pool2, rng);
    }

    [Fact]
    public void Accumulate_AddsToExistingC()
    {
        float[] a = [1, 2, 3, 4];       // [2 × 2]
        float[] b = [5, 6, 7, 8];       // [2 × 2]
        float[] c = [100, 200, 300, 400];
        Gemm.MultiplyNN(a, b, c, 2, 2, 2, accumulate: true);
        Assert.Equal(new float[] { 119, 222, 343, 450 }, c);
        Gemm.MultiplyNN(a, b, c, 2, 2, 2, accumulate: false);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c);
        Gemm.MultiplyNNBias(a, b, new float[] { 1, -1 }, c, 2, 2, 2);
        Assert.Equal(new float[] { 20, 21, 44, 49 }, c);
    }

    [Fact]
    public void TooShortSpans_Throw()
    {
        float[] x6 = new float[6], x5 = new float[5];
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyNN(x5, x6, x6, 2, 3, 2));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyNT(x6, x5, x6, 2, 3, 2));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTN(x6, x6, new float[3], 2, 3, 2));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyNNBias(x6, x6, new float[1], new float[4], 2, 3, 2));
        Assert.ThrowsAny<ArgumentException>(() => Gemm.MultiplyNN(x6, x6, x6, -1, 3, 2));
    }

    [Fact]
    public void WarmCalls_AllocateNothing()
    {
        var rng = new Rng(5);
        float[] a = Random(rng, 100 * 784), b = Random(rng, 784 * 500), bias = Random(rng, 500), c = new float[784 * 500];
        void All(WorkerPool? pool)
        {
            Gemm.MultiplyNN(a, b, c, 100, 784, 500, false, pool);
            Gemm.MultiplyNNBias(a, b, bias, c, 100, 784, 500, pool);
            Gemm.MultiplyNT(c, b, a, 100, 500, 784, false, pool);
            Gemm.MultiplyTN(a, c, b, 784, 100, 500, true, pool);
        }
        All(null);
        All(_pool2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        All(null);
        All(_pool2);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
