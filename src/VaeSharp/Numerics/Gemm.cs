using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using VaeSharp.Numerics.Kernels;

namespace VaeSharp.Numerics;

/// <summary>
/// Matrix products for training: X·W (NN), dY·Wᵀ (NT) and Xᵀ·dY (TN). Float32, row-major, dense.
/// Each output element is computed by one thread in a fixed order, so results do not depend on the thread count.
/// </summary>
/// <remarks>
/// Packed, cache-blocked products in the BLIS/GotoBLAS style, with hand-written micro-kernels
/// (see Kernels/MicroKernels.cs): AVX-512 (10×32 tile), AVX2+FMA (6×16) or portable scalar (4×8), chosen at start-up.
/// The k dimension is cut into blocks that depend on k alone; every element of C is one FMA chain per k block,
/// blocks added in order. Threads split C into column (or row) ranges aligned to the register tile, so the
/// arithmetic of an element is the same whatever the number of threads: results are bit-identical for any pool.
/// Packing buffers are owned per thread and reused: a warm call allocates nothing.
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>Largest k block (panels of kc rows). Large blocks mean few passes over C; k = 784 is one block.</summary>
    internal const int KcMax = 1024;

    /// <summary>Row block of A packed at once, in register-tile rows (MC = 16·MR: a [160 × 1024] block is 640 KB, inside L2).</summary>
    internal const int McPanels = 16;

    /// <summary>Column block of B packed at once, in register-tile columns (NC = 16·NR).</summary>
    internal const int NcPanels = 16;

    /// <summary>Below this many multiply-adds a call runs on the calling thread only.</summary>
    private const long DefaultParallelThreshold = 1L << 16;

    [ThreadStatic] private static Isa t_forcedIsa;
    [ThreadStatic] private static long t_parallelThreshold;

    /// <summary>Instruction set the products run on; tests force the slower paths to check them.</summary>
    internal enum Isa { Auto, Avx512, Avx2, Scalar }

    /// <summary>
    /// Overrides the kernel choice for calls made from the current thread (tests only; thread-local so concurrent
    /// callers are unaffected). <see cref="Isa.Auto"/> picks the best one supported.
    /// </summary>
    internal static Isa ForcedIsa { get => t_forcedIsa; set => t_forcedIsa = value; }

    /// <summary>
    /// Overrides the size below which calls from the current thread stay single-threaded (tests only; 0 restores the
    /// default, negative values parallelise everything).
    /// </summary>
    internal static long ParallelThreshold
    {
        get => t_parallelThreshold == 0 ? DefaultParallelThreshold : Math.Max(0, t_parallelThreshold);
        set => t_parallelThreshold = value;
    }

    /// <summary>The kernel that <see cref="Isa.Auto"/> resolves to on this machine.</summary>
    internal static Isa BestIsa { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Isa.Avx512
        : Fma.IsSupported && Avx2.IsSupported ? Isa.Avx2
        : Isa.Scalar;

    /// <summary>C[m×n] (+)= A[m×k] · B[k×n].</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false, WorkerPool? pool = null)
    {
        GemmChecks.Check(a, b, c, m, k, n);
        fixed (float* pa = a, pb = b, pc = c)
            Run(new Job(pa, false, pb, false, pc, null, m, k, n, accumulate), pool);
    }

    /// <summary>C[m×n] (+)= A[m×k] · B[n×k]ᵀ.</summary>
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false, WorkerPool? pool = null)
    {
        GemmChecks.Check(a, b, c, m, k, n);
        fixed (float* pa = a, pb = b, pc = c)
            Run(new Job(pa, false, pb, true, pc, null, m, k, n, accumulate), pool);
    }

    /// <summary>C[m×n] (+)= A[k×m]ᵀ · B[k×n].</summary>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false, WorkerPool? pool = null)
    {
        GemmChecks.Check(a, b, c, m, k, n);
        fixed (float* pa = a, pb = b, pc = c)
            Run(new Job(pa, true, pb, false, pc, null, m, k, n, accumulate), pool);
    }

    /// <summary>
    /// C[m×n] = A[m×k] · B[k×n] + bias (bias[j] added to every row's column j), the bias added in the kernel's
    /// epilogue: C is written once.
    /// </summary>
    public static void MultiplyNNBias(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, WorkerPool? pool = null)
    {
        GemmChecks.Check(a, b, c, m, k, n);
        if (bias.Length < n) throw new ArgumentException($"The bias holds {bias.Length} values; {n} columns need {n}.", nameof(bias));
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            Run(new Job(pa, false, pb, false, pc, pbias, m, k, n, false), pool);
    }

    /// <summary>One product: operands, layouts and shape (everything as raw pointers so parallel bodies can carry it).</summary>
    private readonly struct Job(float* a, bool aT, float* b, bool bT, float* c, float* bias, int m, int k, int n, bool accumulate)
    {
        public readonly float* A = a;        // [m × k], or [k × m] when ATransposed
        public readonly float* B = b;        // [k × n], or [n × k] when BTransposed
        public readonly float* C = c;        // [m × n]
        public readonly float* Bias = bias;  // [n] or null
        public readonly bool ATransposed = aT, BTransposed = bT, Accumulate = accumulate;
        public readonly int M = m, K = k, N = n;
    }

    private static void Run(in Job job, WorkerPool? pool)
    {
        if (job.M == 0 || job.N == 0) return;
        if (job.K == 0)
        {
            if (job.Accumulate) return;
            for (int i = 0; i < job.M; i++)
            {
                var row = new Span<float>(job.C + (long)i * job.N, job.N);
                if (job.Bias is null) row.Clear();
                else new ReadOnlySpan<float>(job.Bias, job.N).CopyTo(row);
            }
            return;
        }

        Isa isa = ForcedIsa == Isa.Auto ? BestIsa : ForcedIsa;
        switch (isa)
        {
            case Isa.Avx512: Dispatch<Avx512Kernel>(job, pool); break;
            case Isa.Avx2: Dispatch<Avx2Kernel>(job, pool); break;
            default: Dispatch<ScalarKernel>(job, pool); break;
        }
    }

    /// <summary>Splits C into per-task ranges aligned to the register tile and runs them on the pool.</summary>
    private static void Dispatch<TKernel>(in Job job, WorkerPool? pool) where TKernel : struct, IMicroKernel
    {
        int threads = pool?.Threads ?? 1;
        if (threads == 1 || (long)job.M * job.N * job.K < ParallelThreshold)
        {
            Compute<TKernel>(job, 0, job.M, 0, job.N);
            return;
        }
        int nPanels = (job.N + TKernel.NR - 1) / TKernel.NR;
        int mPanels = (job.M + TKernel.MR - 1) / TKernel.MR;
        // Prefer column ranges (m, the batch, is small in training); fall back to rows when C is narrow.
        bool splitN = nPanels >= threads || nPanels >= mPanels;
        int panels = splitN ? nPanels : mPanels;
        var body = new Body<TKernel> { Job = job, SplitN = splitN, Panels = panels, Tasks = Math.Min(threads, panels) };
        pool!.For(body.Tasks, ref body);
    }

    /// <summary>One task of a parallel product: a contiguous range of whole register-tile columns (or rows).</summary>
    private struct Body<TKernel> : IParallelBody where TKernel : struct, IMicroKernel
    {
        public Job Job;
        public bool SplitN;
        public int Panels, Tasks;

        public readonly void Execute(int index)
        {
            int first = (int)((long)index * Panels / Tasks), last = (int)((long)(index + 1) * Panels / Tasks);
            if (SplitN)
                Compute<TKernel>(Job, 0, Job.M, first * TKernel.NR, Math.Min(Job.N, last * TKernel.NR));
            else
                Compute<TKernel>(Job, first * TKernel.MR, Math.Min(Job.M, last * TKernel.MR), 0, Job.N);
        }
    }

    /// <summary>The k block length: depends on k only (never on the partition), a multiple of 8, at most <see cref="KcMax"/>.</summary>
    internal static int KBlock(int k)
    {
        int blocks = (k + KcMax - 1) / KcMax;
        int kc = (k + blocks - 1) / blocks;
        return Math.Min(KcMax, (kc + 7) & ~7);
    }

    /// <summary>C[i0:i1, j0:j1] on the calling thread (i0 a multiple of MR, j0 a multiple of NR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute<TKernel>(in Job job, int i0, int i1, int j0, int j1) where TKernel : struct, IMicroKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int mcMax = McPanels * mr, ncMax = NcPanels * nr;
        int k = job.K, n = job.N, kb = KBlock(k);
        Workspace ws = Workspace.Current;
        float* packedA = ws.A;   // [mc × kc] as ⌈mc/MR⌉ panels of [kc × MR]
        float* packedB = ws.B;   // [kc × nc] as ⌈nc/NR⌉ panels of [kc × NR]
        float* tile = ws.Tile;   // [MR × NR] scratch for edge tiles
        // Read a row-major B in place (skipping the copy) when each B panel is reused by one row block only and the
        // row stride is not a multiple of 512 bytes (which would map a panel's rows onto few cache sets).
        bool direct = !job.BTransposed && i1 - i0 <= mcMax && n % 128 != 0;

        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kb)
            {
                int kc = Math.Min(kb, k - pc);
                // A row-major B is read in place for whole NR-wide panels (its rows are already NR-contiguous);
                // only a ragged last panel is packed (zero-padded). A transposed B is packed whole.
                int fullCols = direct ? nc / nr * nr : 0;
                if (fullCols < nc)
                    Packing.PackB(job.B, job.BTransposed, k, n, pc, kc, jc + fullCols, nc - fullCols, nr, packedB);
                int mode = pc > 0 || job.Accumulate ? GemmMode.Add : job.Bias is null ? GemmMode.Store : GemmMode.StoreBias;
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    Packing.PackA(job.A, job.ATransposed, job.M, k, ic, mc, pc, kc, mr, packedA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bPanel;                                           // [kc × NR], rows ldb apart
                        int ldb;
                        if (jr < fullCols) { bPanel = job.B + (long)pc * n + jc + jr; ldb = n; }
                        else { bPanel = packedB + (jr - fullCols) * kc; ldb = nr; }
                        float* bias = job.Bias is null ? null : job.Bias + jc + jr; // [cols]
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* aPanel = packedA + ir * kc;                   // [kc × MR]
                            float* cTile = job.C + (long)(ic + ir) * n + jc + jr; // [rows × cols] of C, row stride n
                            if (rows == mr && cols == nr)
                            {
                                TKernel.Run(kc, aPanel, bPanel, ldb, cTile, n, bias, mode);
                            }
                            else
                            {
                                TKernel.Run(kc, aPanel, bPanel, ldb, tile, nr, null, GemmMode.Store);
                                TileWriter.Write(tile, nr, rows, cols, cTile, n, bias, mode);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packing buffers of one thread, allocated on its first product (64-byte aligned native memory) and reused by
    /// every later call; freed by the finalizer when the thread ends.
    /// </summary>
    private sealed class Workspace
    {
        private const int MaxMR = 16, MaxNR = 32;

        [ThreadStatic] private static Workspace? t_current;

        public readonly float* A;    // [McPanels·MaxMR × KcMax]
        public readonly float* B;    // [KcMax × NcPanels·MaxNR]
        public readonly float* Tile; // [MaxMR × MaxNR]

        private Workspace()
        {
            A = Alloc(McPanels * MaxMR * KcMax);
            B = Alloc(KcMax * NcPanels * MaxNR);
            Tile = Alloc(MaxMR * MaxNR);
        }

        public static Workspace Current => t_current ??= new Workspace();

        private static float* Alloc(int floats) => (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);

        ~Workspace()
        {
            NativeMemory.AlignedFree(A);
            NativeMemory.AlignedFree(B);
            NativeMemory.AlignedFree(Tile);
        }
    }
}
