namespace VaeSharp.Numerics;

/// <summary>
/// Matrix products for training: X·W (NN), dY·Wᵀ (NT) and Xᵀ·dY (TN). Float32, row-major, dense.
/// Each output element is computed by one thread in a fixed order, so results do not depend on the thread count.
/// </summary>
public static class Gemm
{
    /// <summary>C[m×n] (+)= A[m×k] · B[k×n].</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false, WorkerPool? pool = null)
        => GemmReference.MultiplyNN(a, b, c, m, k, n, accumulate);

    /// <summary>C[m×n] (+)= A[m×k] · B[n×k]ᵀ.</summary>
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false, WorkerPool? pool = null)
        => GemmReference.MultiplyNT(a, b, c, m, k, n, accumulate);

    /// <summary>C[m×n] (+)= A[k×m]ᵀ · B[k×n].</summary>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false, WorkerPool? pool = null)
        => GemmReference.MultiplyTN(a, b, c, m, k, n, accumulate);

    /// <summary>C[m×n] = A[m×k] · B[k×n] + bias (bias [n] added to every row).</summary>
    public static void MultiplyNNBias(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, WorkerPool? pool = null)
    {
        for (int i = 0; i < m; i++) bias.Slice(0, n).CopyTo(c.Slice(i * n, n));
        GemmReference.MultiplyNN(a, b, c, m, k, n, accumulate: true);
    }
}
