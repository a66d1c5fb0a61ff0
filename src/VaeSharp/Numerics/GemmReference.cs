namespace VaeSharp.Numerics;

/// <summary>
/// Naive triple-loop matrix products, kept beside the fast kernels as their test oracle and fallback.
/// All matrices are float32, row-major, dense (leading dimension = column count).
/// Sums run in double so the oracle is more accurate than what it checks.
/// </summary>
public static class GemmReference
{
    /// <summary>C[m×n] (+)= A[m×k] · B[k×n].</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false)
    {
        GemmChecks.Check(a, b, c, m, k, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = accumulate ? c[i * n + j] : 0.0;
                for (int p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j];
                c[i * n + j] = (float)s;
            }
    }

    /// <summary>C[m×n] (+)= A[m×k] · B[n×k]ᵀ.</summary>
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false)
    {
        GemmChecks.Check(a, b, c, m, k, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = accumulate ? c[i * n + j] : 0.0;
                for (int p = 0; p < k; p++) s += (double)a[i * k + p] * b[j * k + p];
                c[i * n + j] = (float)s;
            }
    }

    /// <summary>C[m×n] (+)= A[k×m]ᵀ · B[k×n].</summary>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false)
    {
        GemmChecks.Check(a, b, c, m, k, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = accumulate ? c[i * n + j] : 0.0;
                for (int p = 0; p < k; p++) s += (double)a[p * m + i] * b[p * n + j];
                c[i * n + j] = (float)s;
            }
    }
}

/// <summary>Argument checks shared by every matrix-product variant.</summary>
internal static class GemmChecks
{
    public static void Check(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        if (m < 0 || k < 0 || n < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix dimensions must be non-negative (m={m}, k={k}, n={n}).");
        if (a.Length < (long)m * k) throw new ArgumentException($"A holds {a.Length} values; {m}×{k} needs {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} values; {k}×{n} needs {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C holds {c.Length} values; {m}×{n} needs {(long)m * n}.", nameof(c));
    }
}
