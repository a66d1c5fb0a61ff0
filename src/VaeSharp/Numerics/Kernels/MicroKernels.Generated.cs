// SIMD micro-kernels for Gemm, written for VaeSharp (no third-party code; nothing on NuGet provides a managed SGEMM).
// The unrolled FMA sequences were expanded by a throw-away script from the pattern documented in MicroKernels.cs:
// every accumulator is a separate local so the JIT keeps each in its own register. Edit by hand.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VaeSharp.Numerics.Kernels;

/// <summary>AVX-512 micro-kernel: a 10×32 register tile (20 zmm accumulators), FMA with embedded broadcasts of A.</summary>
internal readonly unsafe struct Avx512Kernel : IMicroKernel
{
    public static int MR => 10;
    public static int NR => 32;

    /// <inheritdoc cref="IMicroKernel.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float* bias, int mode)
    {
        // a: [kc × 10] packed A micro-panel; b: [kc × 32] B micro-panel (row stride ldb: NR when packed, n when read in place); c: 10×32 tile with row stride ldc.
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default;
        Vector512<float> b0, b1, ar;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            b0 = Vector512.Load(b); b1 = Vector512.Load(b + 16);
            ar = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(ar, b0, c60); c61 = Avx512F.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(ar, b0, c70); c71 = Avx512F.FusedMultiplyAdd(ar, b1, c71);
            ar = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(ar, b0, c80); c81 = Avx512F.FusedMultiplyAdd(ar, b1, c81);
            ar = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(ar, b0, c90); c91 = Avx512F.FusedMultiplyAdd(ar, b1, c91);
            b += ldb; b0 = Vector512.Load(b); b1 = Vector512.Load(b + 16);
            ar = Vector512.Create(a[10]); c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[11]); c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[12]); c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[13]); c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[14]); c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[15]); c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[16]); c60 = Avx512F.FusedMultiplyAdd(ar, b0, c60); c61 = Avx512F.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[17]); c70 = Avx512F.FusedMultiplyAdd(ar, b0, c70); c71 = Avx512F.FusedMultiplyAdd(ar, b1, c71);
            ar = Vector512.Create(a[18]); c80 = Avx512F.FusedMultiplyAdd(ar, b0, c80); c81 = Avx512F.FusedMultiplyAdd(ar, b1, c81);
            ar = Vector512.Create(a[19]); c90 = Avx512F.FusedMultiplyAdd(ar, b0, c90); c91 = Avx512F.FusedMultiplyAdd(ar, b1, c91);
            b += ldb; b0 = Vector512.Load(b); b1 = Vector512.Load(b + 16);
            ar = Vector512.Create(a[20]); c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[21]); c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[22]); c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[23]); c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[24]); c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[25]); c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[26]); c60 = Avx512F.FusedMultiplyAdd(ar, b0, c60); c61 = Avx512F.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[27]); c70 = Avx512F.FusedMultiplyAdd(ar, b0, c70); c71 = Avx512F.FusedMultiplyAdd(ar, b1, c71);
            ar = Vector512.Create(a[28]); c80 = Avx512F.FusedMultiplyAdd(ar, b0, c80); c81 = Avx512F.FusedMultiplyAdd(ar, b1, c81);
            ar = Vector512.Create(a[29]); c90 = Avx512F.FusedMultiplyAdd(ar, b0, c90); c91 = Avx512F.FusedMultiplyAdd(ar, b1, c91);
            b += ldb; b0 = Vector512.Load(b); b1 = Vector512.Load(b + 16);
            ar = Vector512.Create(a[30]); c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[31]); c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[32]); c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[33]); c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[34]); c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[35]); c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[36]); c60 = Avx512F.FusedMultiplyAdd(ar, b0, c60); c61 = Avx512F.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[37]); c70 = Avx512F.FusedMultiplyAdd(ar, b0, c70); c71 = Avx512F.FusedMultiplyAdd(ar, b1, c71);
            ar = Vector512.Create(a[38]); c80 = Avx512F.FusedMultiplyAdd(ar, b0, c80); c81 = Avx512F.FusedMultiplyAdd(ar, b1, c81);
            ar = Vector512.Create(a[39]); c90 = Avx512F.FusedMultiplyAdd(ar, b0, c90); c91 = Avx512F.FusedMultiplyAdd(ar, b1, c91);
            a += 40; b += ldb;
        }
        for (; p < kc; p++)
        {
            b0 = Vector512.Load(b); b1 = Vector512.Load(b + 16);
            ar = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(ar, b0, c60); c61 = Avx512F.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(ar, b0, c70); c71 = Avx512F.FusedMultiplyAdd(ar, b1, c71);
            ar = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(ar, b0, c80); c81 = Avx512F.FusedMultiplyAdd(ar, b1, c81);
            ar = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(ar, b0, c90); c91 = Avx512F.FusedMultiplyAdd(ar, b1, c91);
            a += 10; b += ldb;
        }

        if (mode == GemmMode.Store)
        {
            Vector512.Store(c00, c + 0 * ldc); Vector512.Store(c01, c + 0 * ldc + 16);
            Vector512.Store(c10, c + 1 * ldc); Vector512.Store(c11, c + 1 * ldc + 16);
            Vector512.Store(c20, c + 2 * ldc); Vector512.Store(c21, c + 2 * ldc + 16);
            Vector512.Store(c30, c + 3 * ldc); Vector512.Store(c31, c + 3 * ldc + 16);
            Vector512.Store(c40, c + 4 * ldc); Vector512.Store(c41, c + 4 * ldc + 16);
            Vector512.Store(c50, c + 5 * ldc); Vector512.Store(c51, c + 5 * ldc + 16);
            Vector512.Store(c60, c + 6 * ldc); Vector512.Store(c61, c + 6 * ldc + 16);
            Vector512.Store(c70, c + 7 * ldc); Vector512.Store(c71, c + 7 * ldc + 16);
            Vector512.Store(c80, c + 8 * ldc); Vector512.Store(c81, c + 8 * ldc + 16);
            Vector512.Store(c90, c + 9 * ldc); Vector512.Store(c91, c + 9 * ldc + 16);
        }
        else if (mode == GemmMode.Add)
        {
            Vector512.Store(Vector512.Load(c + 0 * ldc) + c00, c + 0 * ldc); Vector512.Store(Vector512.Load(c + 0 * ldc + 16) + c01, c + 0 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 1 * ldc) + c10, c + 1 * ldc); Vector512.Store(Vector512.Load(c + 1 * ldc + 16) + c11, c + 1 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 2 * ldc) + c20, c + 2 * ldc); Vector512.Store(Vector512.Load(c + 2 * ldc + 16) + c21, c + 2 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 3 * ldc) + c30, c + 3 * ldc); Vector512.Store(Vector512.Load(c + 3 * ldc + 16) + c31, c + 3 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 4 * ldc) + c40, c + 4 * ldc); Vector512.Store(Vector512.Load(c + 4 * ldc + 16) + c41, c + 4 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 5 * ldc) + c50, c + 5 * ldc); Vector512.Store(Vector512.Load(c + 5 * ldc + 16) + c51, c + 5 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 6 * ldc) + c60, c + 6 * ldc); Vector512.Store(Vector512.Load(c + 6 * ldc + 16) + c61, c + 6 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 7 * ldc) + c70, c + 7 * ldc); Vector512.Store(Vector512.Load(c + 7 * ldc + 16) + c71, c + 7 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 8 * ldc) + c80, c + 8 * ldc); Vector512.Store(Vector512.Load(c + 8 * ldc + 16) + c81, c + 8 * ldc + 16);
            Vector512.Store(Vector512.Load(c + 9 * ldc) + c90, c + 9 * ldc); Vector512.Store(Vector512.Load(c + 9 * ldc + 16) + c91, c + 9 * ldc + 16);
        }
        else
        {
            Vector512<float> bias0 = Vector512.Load(bias), bias1 = Vector512.Load(bias + 16);
            Vector512.Store(c00 + bias0, c + 0 * ldc); Vector512.Store(c01 + bias1, c + 0 * ldc + 16);
            Vector512.Store(c10 + bias0, c + 1 * ldc); Vector512.Store(c11 + bias1, c + 1 * ldc + 16);
            Vector512.Store(c20 + bias0, c + 2 * ldc); Vector512.Store(c21 + bias1, c + 2 * ldc + 16);
            Vector512.Store(c30 + bias0, c + 3 * ldc); Vector512.Store(c31 + bias1, c + 3 * ldc + 16);
            Vector512.Store(c40 + bias0, c + 4 * ldc); Vector512.Store(c41 + bias1, c + 4 * ldc + 16);
            Vector512.Store(c50 + bias0, c + 5 * ldc); Vector512.Store(c51 + bias1, c + 5 * ldc + 16);
            Vector512.Store(c60 + bias0, c + 6 * ldc); Vector512.Store(c61 + bias1, c + 6 * ldc + 16);
            Vector512.Store(c70 + bias0, c + 7 * ldc); Vector512.Store(c71 + bias1, c + 7 * ldc + 16);
            Vector512.Store(c80 + bias0, c + 8 * ldc); Vector512.Store(c81 + bias1, c + 8 * ldc + 16);
            Vector512.Store(c90 + bias0, c + 9 * ldc); Vector512.Store(c91 + bias1, c + 9 * ldc + 16);
        }
    }
}

/// <summary>AVX2+FMA micro-kernel: a 6×16 register tile (12 ymm accumulators).</summary>
internal readonly unsafe struct Avx2Kernel : IMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;

    /// <inheritdoc cref="IMicroKernel.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float* bias, int mode)
    {
        // a: [kc × 6] packed A micro-panel; b: [kc × 16] B micro-panel (row stride ldb: NR when packed, n when read in place); c: 6×16 tile with row stride ldc.
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector256<float> b0, b1, ar;
        int p = 0;
        for (; p + 2 <= kc; p += 2)
        {
            b0 = Vector256.Load(b); b1 = Vector256.Load(b + 8);
            ar = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(ar, b0, c00); c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(ar, b0, c10); c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(ar, b0, c20); c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(ar, b0, c30); c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(ar, b0, c40); c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(ar, b0, c50); c51 = Fma.MultiplyAdd(ar, b1, c51);
            b += ldb; b0 = Vector256.Load(b); b1 = Vector256.Load(b + 8);
            ar = Vector256.Create(a[6]); c00 = Fma.MultiplyAdd(ar, b0, c00); c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[7]); c10 = Fma.MultiplyAdd(ar, b0, c10); c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[8]); c20 = Fma.MultiplyAdd(ar, b0, c20); c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[9]); c30 = Fma.MultiplyAdd(ar, b0, c30); c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[10]); c40 = Fma.MultiplyAdd(ar, b0, c40); c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[11]); c50 = Fma.MultiplyAdd(ar, b0, c50); c51 = Fma.MultiplyAdd(ar, b1, c51);
            a += 12; b += ldb;
        }
        if (p < kc)
        {
            b0 = Vector256.Load(b); b1 = Vector256.Load(b + 8);
            ar = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(ar, b0, c00); c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(ar, b0, c10); c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(ar, b0, c20); c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(ar, b0, c30); c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(ar, b0, c40); c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(ar, b0, c50); c51 = Fma.MultiplyAdd(ar, b1, c51);
        }

        if (mode == GemmMode.Store)
        {
            Vector256.Store(c00, c + 0 * ldc); Vector256.Store(c01, c + 0 * ldc + 8);
            Vector256.Store(c10, c + 1 * ldc); Vector256.Store(c11, c + 1 * ldc + 8);
            Vector256.Store(c20, c + 2 * ldc); Vector256.Store(c21, c + 2 * ldc + 8);
            Vector256.Store(c30, c + 3 * ldc); Vector256.Store(c31, c + 3 * ldc + 8);
            Vector256.Store(c40, c + 4 * ldc); Vector256.Store(c41, c + 4 * ldc + 8);
            Vector256.Store(c50, c + 5 * ldc); Vector256.Store(c51, c + 5 * ldc + 8);
        }
        else if (mode == GemmMode.Add)
        {
            Vector256.Store(Vector256.Load(c + 0 * ldc) + c00, c + 0 * ldc); Vector256.Store(Vector256.Load(c + 0 * ldc + 8) + c01, c + 0 * ldc + 8);
            Vector256.Store(Vector256.Load(c + 1 * ldc) + c10, c + 1 * ldc); Vector256.Store(Vector256.Load(c + 1 * ldc + 8) + c11, c + 1 * ldc + 8);
            Vector256.Store(Vector256.Load(c + 2 * ldc) + c20, c + 2 * ldc); Vector256.Store(Vector256.Load(c + 2 * ldc + 8) + c21, c + 2 * ldc + 8);
            Vector256.Store(Vector256.Load(c + 3 * ldc) + c30, c + 3 * ldc); Vector256.Store(Vector256.Load(c + 3 * ldc + 8) + c31, c + 3 * ldc + 8);
            Vector256.Store(Vector256.Load(c + 4 * ldc) + c40, c + 4 * ldc); Vector256.Store(Vector256.Load(c + 4 * ldc + 8) + c41, c + 4 * ldc + 8);
            Vector256.Store(Vector256.Load(c + 5 * ldc) + c50, c + 5 * ldc); Vector256.Store(Vector256.Load(c + 5 * ldc + 8) + c51, c + 5 * ldc + 8);
        }
        else
        {
            Vector256<float> bias0 = Vector256.Load(bias), bias1 = Vector256.Load(bias + 8);
            Vector256.Store(c00 + bias0, c + 0 * ldc); Vector256.Store(c01 + bias1, c + 0 * ldc + 8);
            Vector256.Store(c10 + bias0, c + 1 * ldc); Vector256.Store(c11 + bias1, c + 1 * ldc + 8);
            Vector256.Store(c20 + bias0, c + 2 * ldc); Vector256.Store(c21 + bias1, c + 2 * ldc + 8);
            Vector256.Store(c30 + bias0, c + 3 * ldc); Vector256.Store(c31 + bias1, c + 3 * ldc + 8);
            Vector256.Store(c40 + bias0, c + 4 * ldc); Vector256.Store(c41 + bias1, c + 4 * ldc + 8);
            Vector256.Store(c50 + bias0, c + 5 * ldc); Vector256.Store(c51 + bias1, c + 5 * ldc + 8);
        }
    }
}
