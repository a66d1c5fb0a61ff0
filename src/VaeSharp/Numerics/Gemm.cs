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
}
