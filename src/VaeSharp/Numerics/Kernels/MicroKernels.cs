// Matrix-product micro-kernels and packing for VaeSharp.Numerics.Gemm — written for this project from the
// BLIS/GotoBLAS design (Goto & van de Geijn 2008; Van Zee & van de Geijn 2015). No third-party code is used;
// nothing on NuGet provides a managed SGEMM.
//
// A micro-kernel computes one MR×NR tile of C from a packed A micro-panel [kc × MR] (for each k step, MR values
// of one A column, contiguous) and a B micro-panel [kc × NR] (for each k step, NR contiguous values of one B row,
// rows ldb apart: packed, or read in place from a row-major B):
//     acc[r, j] = Σ_p a[p·MR + r] · b[p·ldb + j]      (one FMA chain per element, p = 0, 1, …, kc−1 in order)
// then writes acc into C according to the mode. The FMA order of an element never depends on where its tile
// sits or which thread computes it, which is what makes Gemm bit-identical across thread counts.
using System.Runtime.CompilerServices;

namespace VaeSharp.Numerics.Kernels;

/// <summary>How a micro-kernel writes its accumulators into C.</summary>
internal static class GemmMode
{
    /// <summary>C = acc.</summary>
    public const int Store = 0;

    /// <summary>C = C + acc.</summary>
    public const int Add = 1;

    /// <summary>C = acc + bias (bias indexed by column).</summary>
    public const int StoreBias = 2;
}

/// <summary>An MR×NR register-tile kernel. Implemented by structs so the Gemm driver is specialised per kernel.</summary>
internal unsafe interface IMicroKernel
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int NR { get; }

    /// <summary>
    /// Computes the tile: <paramref name="a"/> is a packed [kc × MR] panel, <paramref name="b"/> a [kc × NR] panel with row
    /// stride <paramref name="ldb"/> (NR when packed; the matrix width when B is read in place),
    /// <paramref name="c"/> the tile's top-left element with row stride <paramref name="ldc"/>, <paramref name="bias"/>
    /// the tile's first bias value (read only when <paramref name="mode"/> is <see cref="GemmMode.StoreBias"/>).
    /// </summary>
    static abstract void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float* bias, int mode);
}

/// <summary>Portable fallback kernel (no SIMD): a 4×8 tile with plain multiply-adds.</summary>
internal readonly unsafe struct ScalarKernel : IMicroKernel
{
    public static int MR => 4;
    public static int NR => 8;

    /// <inheritdoc cref="IMicroKernel.Run"/>
    public static void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float* bias, int mode)
    {
        float* acc = stackalloc float[4 * 8]; // [MR × NR] accumulators
        new Span<float>(acc, 32).Clear();
        for (int p = 0; p < kc; p++)
        {
            float* bp = b + (long)p * ldb;
            for (int r = 0; r < 4; r++)
            {
                float ar = a[p * 4 + r];
                float* row = acc + r * 8;
                for (int j = 0; j < 8; j++) row[j] += ar * bp[j];
            }
        }
        TileWriter.Write(acc, 8, 4, 8, c, ldc, bias, mode);
    }
}

/// <summary>Writes a computed tile from scratch memory into C (edge tiles and the scalar kernel).</summary>
internal static unsafe class TileWriter
{
    /// <summary>
    /// Writes the top-left <paramref name="rows"/>×<paramref name="cols"/> of <paramref name="tile"/> (row stride
    /// <paramref name="ldt"/>) into C with the same per-element arithmetic as the SIMD epilogues.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(float* tile, int ldt, int rows, int cols, float* c, int ldc, float* bias, int mode)
    {
        for (int r = 0; r < rows; r++)
        {
            float* t = tile + r * ldt;
            float* cr = c + r * ldc;
            switch (mode)
            {
                case GemmMode.Store:
                    for (int j = 0; j < cols; j++) cr[j] = t[j];
                    break;
                case GemmMode.Add:
                    for (int j = 0; j < cols; j++) cr[j] = cr[j] + t[j];
                    break;
                default:
                    for (int j = 0; j < cols; j++) cr[j] = t[j] + bias[j];
                    break;
            }
        }
    }
}
