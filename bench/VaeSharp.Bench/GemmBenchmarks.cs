using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using VaeSharp.Numerics;

namespace VaeSharp.Bench;

/// <summary>Gemm at the MLP training shapes (784–500 layers, batch 100) and 2048³, on 1 and 2 threads.</summary>
[Config(typeof(GemmBenchConfig))]
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class GemmBench
{
    /// <summary>"OP_MxKxN": C[m×n] = op(A)·op(B) with inner dimension k.</summary>
    [Params("NN_100x784x500", "NN_100x500x784", "NT_100x784x500", "TN_784x100x500", "TN_500x100x784", "NN_2048x2048x2048")]
    public string Shape { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private float[] _a = [], _b = [], _c = [];
    private int _m, _k, _n;
    private string _op = "";
    private WorkerPool? _pool;

    [GlobalSetup]
    public void Setup()
    {
        (_op, _m, _k, _n) = GemmShape.Parse(Shape);
        var rng = new Rng(1);
        _a = new float[_m * _k];
        _b = new float[_k * _n];
        _c = new float[_m * _n];
        rng.FillNormal(_a);
        rng.FillNormal(_b);
        _pool = Threads == 1 ? null : new WorkerPool(Threads);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool?.Dispose();

    [Benchmark]
    public void Multiply() => GemmShape.Run(_op, _a, _b, _c, _m, _k, _n, _pool);
}

/// <summary>Shape strings shared by the benchmark and its GFLOP/s column.</summary>
internal static class GemmShape
{
    public static (string op, int m, int k, int n) Parse(string shape)
    {
        string[] parts = shape.Split('_');
        int[] dims = parts[1].Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return (parts[0], dims[0], dims[1], dims[2]);
    }

    public static double Flops(string shape)
    {
        var (_, m, k, n) = Parse(shape);
        return 2.0 * m * k * n;
    }

    public static void Run(string op, float[] a, float[] b, float[] c, int m, int k, int n, WorkerPool? pool)
    {
        switch (op)
        {
            case "NN": Gemm.MultiplyNN(a, b, c, m, k, n, false, pool); break;
            case "NT": Gemm.MultiplyNT(a, b, c, m, k, n, false, pool); break; // b holds [n × k]
            case "TN": Gemm.MultiplyTN(a, b, c, m, k, n, false, pool); break; // a holds [k × m]
            default: throw new ArgumentException(op);
        }
    }
}

/// <summary>Adds the GFLOP/s column (2·m·n·k over the median time).</summary>
public sealed class GemmBenchConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public GemmBenchConfig() => AddColumn(new GflopsColumn());
}

/// <summary>GFLOP/s = 2·m·n·k / median time, from the benchmark's Shape parameter.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => "GFLOPs";
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2·m·n·k / median time, in 10⁹ floating-point operations per second";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats is null || benchmarkCase.Parameters["Shape"] is not string shape) return "NA";
        return (GemmShape.Flops(shape) / stats.Median).ToString("F1", CultureInfo.InvariantCulture); // flop/ns = GFLOP/s
    }
}

/// <summary>
/// Quick stopwatch run for tuning (<c>dotnet run -c Release --project bench/VaeSharp.Bench -- gemm-quick [reps]</c>):
/// median of repeated timings per shape and thread count, and allocated bytes per call.
/// </summary>
internal static class GemmQuick
{
    public static void Run(int reps)
    {
        PoolLatency();
        KernelCeiling();
        PackingCost();
        string[] shapes = ["NN_100x784x500", "NN_100x500x784", "NT_100x784x500", "TN_784x100x500", "TN_500x100x784", "NN_2048x2048x2048"];
        foreach (string shape in shapes)
            foreach (int threads in new[] { 1, 2 })
            {
                var (op, m, k, n) = GemmShape.Parse(shape);
                var rng = new Rng(1);
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                rng.FillNormal(a);
                rng.FillNormal(b);
                using var pool = new WorkerPool(threads);
                WorkerPool? p = threads == 1 ? null : pool;
                bool big = m * n > 1_000_000;
                int inner = big ? 1 : 20, outer = big ? Math.Max(5, reps / 4) : reps;
                for (int w = 0; w < 3 * inner; w++) GemmShape.Run(op, a, b, c, m, k, n, p);
                var times = new double[outer];
                TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                long wall0 = Stopwatch.GetTimestamp();
                long alloc0 = GC.GetAllocatedBytesForCurrentThread();
                for (int r = 0; r < outer; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    for (int i = 0; i < inner; i++) GemmShape.Run(op, a, b, c, m, k, n, p);
                    times[r] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency / inner;
                }
                long alloc = GC.GetAllocatedBytesForCurrentThread() - alloc0;
                long wall1 = Stopwatch.GetTimestamp();
                double cpuRatio = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds
                    / ((wall1 - wall0) / (double)Stopwatch.Frequency);
                Array.Sort(times);
                double med = times[outer / 2], best = times[0];
                Console.WriteLine($"{shape,-20} threads={threads}  median {med / 1000,9:F1} µs  {GemmShape.Flops(shape) / med,6:F1} GFLOP/s (best {GemmShape.Flops(shape) / best,6:F1})  alloc {alloc} B  cpu/wall {cpuRatio:F2}");
            }
    }

    /// <summary>The AVX-512 micro-kernel alone on L1/L2-resident panels: the practical single-core ceiling.</summary>
    private static unsafe void KernelCeiling()
    {
        const int kc = 256;
        float* a = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(kc * 10 * 4, 64);  // [kc × 10]
        float* b = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(kc * 32 * 4, 64);  // [kc × 32]
        float* c = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(10 * 32 * 4, 64);  // [10 × 32]
        for (int i = 0; i < kc * 10; i++) a[i] = 0.001f * i;
        for (int i = 0; i < kc * 32; i++) b[i] = 0.001f * i;
        var times = new double[15];
        for (int r = 0; r < times.Length; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < 20000; i++) VaeSharp.Numerics.Kernels.Avx512Kernel.Run(kc, a, b, 32, c, 32, null, 1);
            times[r] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency;
        }
        Array.Sort(times);
        double flops = 2.0 * 10 * 32 * kc * 20000;
        Console.WriteLine($"kernel 10x32 kc={kc}: median {flops / times[times.Length / 2]:F1} GFLOP/s, best {flops / times[0]:F1}");
    }

    /// <summary>Time spent packing alone for NN/NT 100×784×500 (one thread), to see the overhead around the kernel.</summary>
    private static unsafe void PackingCost()
    {
        int m = 100, k = 784, n = 500, kb = VaeSharp.Numerics.Gemm.KBlock(k);
        float[] a = new float[m * k], b = new float[k * n];
        float* pa = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(256 * 400 * 4, 64);
        float* pb = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(400 * 1024 * 4, 64);
        fixed (float* fa = a, fb = b)
        {
            foreach (string what in new[] { "A (m×k → [kc×10])", "A^T (k×m → [kc×10])", "B (k×n → [kc×32])", "B^T (n×k → [kc×32])" })
            {
                var times = new double[30];
                for (int r = 0; r < times.Length; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    for (int pc = 0; pc < k; pc += kb)
                    {
                        int kc = Math.Min(kb, k - pc);
                        switch (what[0..3])
                        {
                            case "A (": VaeSharp.Numerics.Kernels.Packing.PackA(fa, false, m, k, 0, m, pc, kc, 10, pa); break;
                            case "A^T": VaeSharp.Numerics.Kernels.Packing.PackA(fa, true, m, k, 0, m, pc, kc, 10, pa); break;
                            case "B (": VaeSharp.Numerics.Kernels.Packing.PackB(fb, false, k, n, pc, kc, 0, n, 32, pb); break;
                            default: VaeSharp.Numerics.Kernels.Packing.PackB(fb, true, k, n, pc, kc, 0, n, 32, pb); break;
                        }
                    }
                    times[r] = (Stopwatch.GetTimestamp() - t0) * 1e6 / Stopwatch.Frequency;
                }
                Array.Sort(times);
                Console.WriteLine($"pack {what,-22}: median {times[15]:F1} µs");
            }
        }
    }

    private struct EmptyBody : IParallelBody
    {
        public void Execute(int index) { }
    }

    private struct SpinBody : IParallelBody
    {
        public long Ticks;
        public int CallerId;
        public int[] ByWorker;
        public void Execute(int index)
        {
            if (Environment.CurrentManagedThreadId != CallerId) Interlocked.Increment(ref ByWorker[0]);
            long end = Stopwatch.GetTimestamp() + Ticks;
            while (Stopwatch.GetTimestamp() < end) { }
        }
    }

    /// <summary>Round-trip cost of <see cref="WorkerPool.For{TBody}"/> with an empty body on 2 threads (back-to-back calls).</summary>
    private static void PoolLatency()
    {
        using var pool = new WorkerPool(2);
        var body = new EmptyBody();
        var times = new double[21];
        for (int r = 0; r < times.Length; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < 20000; i++) pool.For(2, ref body);
            times[r] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency / 20000;
        }
        Array.Sort(times);
        Console.WriteLine($"pool.For(2) empty body, 2 threads: median {times[10]:F0} ns per call (best {times[0]:F0} ns)");

        var spin = new SpinBody { Ticks = Stopwatch.Frequency / 200_000, CallerId = Environment.CurrentManagedThreadId, ByWorker = new int[1] }; // 5 µs per index
        for (int r = 0; r < times.Length; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < 2000; i++) pool.For(2, ref spin);
            times[r] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency / 2000;
        }
        Array.Sort(times);
        Console.WriteLine($"pool.For(2) with 5 µs per index, 2 threads: median {times[10] / 1000:F2} µs per call (ideal 5.00, serial 10.00; best {times[0] / 1000:F2}); worker ran {spin.ByWorker[0] * 100.0 / (2.0 * 2000 * times.Length):F0}% of indices");
    }
}
