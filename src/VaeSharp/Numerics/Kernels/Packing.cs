using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VaeSharp.Numerics.Kernels;

/// <summary>
/// Copies blocks of A and B into the micro-panel layouts the kernels read (see MicroKernels.cs), zero-padding
/// partial panels so edge tiles run the same kernel code.
/// </summary>
internal static unsafe class Packing
{
    /// <summary>
    /// Packs A[i0 : i0+mc, p0 : p0+kc] into ⌈mc/mr⌉ panels of [kc × mr] at <paramref name="dst"/>.
    /// <paramref name="transposed"/> false: A is stored [m × k] (A[i,p] = a[i·k + p]);
    /// true: A is stored [k × m] (A[i,p] = a[p·m + i]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, bool transposed, int m, int k, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        if (transposed)
        {
            // Each stored row (fixed p) is contiguous along i: walk it once, dealing runs of mr values to the panels.
            int full = mc / mr * mr;
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (long)(p0 + p) * m + i0;
                float* d = dst + p * mr; // panel ir starts at dst + ir·kc
                for (int ir = 0; ir < full; ir += mr) CopyRun(src + ir, d + ir * kc, mr);
                if (full < mc)
                {
                    float* dp = d + full * kc;
                    int r = 0;
                    for (; r < mc - full; r++) dp[r] = src[full + r];
                    for (; r < mr; r++) dp[r] = 0f;
                }
            }
            return;
        }

        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dst + ir * kc; // [kc × mr]
            float* src0 = a + (long)(i0 + ir) * k + p0;
            int r0 = 0;
            if (Avx.IsSupported)
            {
                // Rows in groups of 8: 8×8 transposes move 8 k-steps of 8 rows at once.
                for (; r0 + 8 <= rows; r0 += 8)
                {
                    float* src = src0 + (long)r0 * k;
                    int p = 0;
                    for (; p + 8 <= kc; p += 8) Transpose8x8(src + p, k, panel + p * mr + r0, mr);
                    for (; p < kc; p++)
                        for (int r = 0; r < 8; r++) panel[p * mr + r0 + r] = src[(long)r * k + p];
                }
            }
            // Remaining rows one by one: each A row is contiguous along k, scattered into the panel's column r.
            for (int r = r0; r < rows; r++)
            {
                float* src = src0 + (long)r * k;
                float* d = panel + r;
                int p = 0;
                for (; p + 4 <= kc; p += 4)
                {
                    d[0] = src[p]; d[mr] = src[p + 1]; d[2 * mr] = src[p + 2]; d[3 * mr] = src[p + 3];
                    d += 4 * mr;
                }
                for (; p < kc; p++) { *d = src[p]; d += mr; }
            }
            if (rows < mr)
                for (int p = 0; p < kc; p++)
                    for (int r = rows; r < mr; r++) panel[p * mr + r] = 0f;
        }
    }

    /// <summary>Copies <paramref name="count"/> floats (a register-tile width: 4 to 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* src, float* dst, int count)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; j + 16 <= count; j += 16) Vector512.Store(Vector512.Load(src + j), dst + j);
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j < count; j++) dst[j] = src[j];
    }

    /// <summary>
    /// Packs B[p0 : p0+kc, j0 : j0+nc] into ⌈nc/nr⌉ panels of [kc × nr] at <paramref name="dst"/>.
    /// <paramref name="transposed"/> false: B is stored [k × n] (B[p,j] = b[p·n + j]);
    /// true: B is stored [n × k] (B[p,j] = b[j·k + p]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* b, bool transposed, int k, int n, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        if (!transposed)
        {
            // Each stored row (fixed p) is contiguous along j: walk it once, dealing runs of nr values to the panels.
            int full = nc / nr * nr;
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)(p0 + p) * n + j0;
                float* d = dst + p * nr; // panel jr starts at dst + jr·kc
                for (int jr = 0; jr < full; jr += nr) CopyRun(src + jr, d + jr * kc, nr);
                if (full < nc)
                {
                    float* dp = d + full * kc;
                    int j = 0;
                    for (; j < nc - full; j++) dp[j] = src[full + j];
                    for (; j < nr; j++) dp[j] = 0f;
                }
            }
            return;
        }

        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + jr * kc; // [kc × nr]
            {
                // Each B column (fixed j) is contiguous along k: transpose 8×8 blocks.
                int j = 0;
                if (Avx.IsSupported)
                {
                    for (; j + 8 <= cols; j += 8)
                    {
                        float* src = b + (long)(j0 + jr + j) * k + p0; // 8 rows of the stored [n × k] matrix
                        int p = 0;
                        for (; p + 8 <= kc; p += 8) Transpose8x8(src + p, k, panel + p * nr + j, nr);
                        for (; p < kc; p++)
                            for (int jj = 0; jj < 8; jj++) panel[p * nr + j + jj] = src[(long)jj * k + p];
                    }
                }
                for (; j < cols; j++)
                {
                    float* src = b + (long)(j0 + jr + j) * k + p0;
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = src[p];
                }
                if (cols < nr)
                    for (int p = 0; p < kc; p++)
                        for (int jj = cols; jj < nr; jj++) panel[p * nr + jj] = 0f;
            }
        }
    }

    /// <summary>
    /// dst[q·ldd + r] = src[r·lds + q] for r, q in [0, 8): an 8×8 transpose with in-lane unpacks and shuffles,
    /// then a 128-bit lane exchange.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + lds);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * lds), r3 = Avx.LoadVector256(src + 3 * lds);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * lds), r5 = Avx.LoadVector256(src + 5 * lds);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * lds), r7 = Avx.LoadVector256(src + 7 * lds);

        // Pairs of rows interleaved: t0 = [r0₀ r1₀ r0₁ r1₁ | r0₄ r1₄ r0₅ r1₅], t1 = the odd halves, …
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        // 4×4 transposes inside each 128-bit lane: u0 = [r0₀ r1₀ r2₀ r3₀ | r0₄ r1₄ r2₄ r3₄], …
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        // Join the lanes of rows 0–3 and 4–7.
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
