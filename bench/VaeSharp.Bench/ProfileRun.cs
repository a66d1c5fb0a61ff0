using System.Diagnostics;
using System.Globalization;
using VaeSharp.Data;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Bench;

/// <summary>
/// Where a whole epoch's time goes, phase by phase, beside the SGEMM rate measured in the same run
/// (<c>dotnet run -c Release --project bench/VaeSharp.Bench -- profile [options]</c>):
/// <code>
///   --data-dir DIR   MNIST's IDX files (default ../shared/datasets/mnist if present, else synthetic MNIST-sized data)
///   --threads 1,2    thread counts, run one after the other
///   --epochs 3       epochs timed with the profiler off (after one warm-up epoch); then one epoch with it on
///   --hidden 500 --latent 20 --batch 100
///   --shape NAME[,NAME…]   instead: throughput of each shape the mission trains (see <see cref="ProfileShapes"/>,
///                  <see cref="ShapeRun"/>), with --rows N (training rows, 0 = all), --images N (test images of an isK
///                  shape, default 200), --model DIR (an isK shape evaluates that trained VAE instead of a fresh NLL
///                  model) and --phases (also each shape's per-phase table)
/// </code>
/// Each epoch is what <c>vae train</c> does: training, the test split's evaluation, the checkpoint and the pictures
/// (<see cref="TrainingSession"/>), the paper's model with Adam and dynamic binarization.
/// </summary>
internal static class ProfileRun
{
    public static void Run(string[] args)
    {
        string? dataDir = null, shapes = null, modelDir = null;
        int[] threadCounts = [1, 2];
        int epochs = 3, hidden = 500, latent = 20, batch = 100, rows = 0, images = 200;
        bool phases = false, sizesGiven = false;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--phases") { phases = true; continue; }
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--data-dir": dataDir = value; break;
                case "--threads": threadCounts = value.Split(',').Select(Int).ToArray(); break;
                case "--epochs": epochs = Int(value); break;
                case "--hidden": hidden = Int(value); sizesGiven = true; break;
                case "--latent": latent = Int(value); sizesGiven = true; break;
                case "--batch": batch = Int(value); sizesGiven = true; break;
                case "--shape": shapes = value; break;
                case "--rows": rows = Int(value); break;
                case "--images": images = Int(value); break;
                case "--model": modelDir = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
            i++;
        }
        if (epochs < 1) throw new ArgumentException($"--epochs must be at least 1 (got {epochs})");
        if (threadCounts.Any(t => t < 1)) throw new ArgumentException("--threads takes positive counts, e.g. 1,2");
        if (rows < 0 || images < 1) throw new ArgumentException("--rows must be ≥ 0 (0: all) and --images ≥ 1");
        if (dataDir is null && Directory.Exists("../shared/datasets/mnist")) dataDir = "../shared/datasets/mnist";
        if (shapes is not null)
        {
            if (sizesGiven) throw new ArgumentException("--hidden, --latent and --batch set the default profile's model; with --shape name the sizes in a vae-H-J-bM shape");
            var names = ProfileShapes.Expand(shapes);
            var (trainSet, testSet) = Load(dataDir);
            if (rows > 0 && rows < trainSet.Count) trainSet = trainSet.Subset([.. Enumerable.Range(0, rows)]);
            if (modelDir is not null && !names.Any(n => ProfileShapes.Parse(n) is ImportanceShape))
                throw new ArgumentException("--model applies to an importance-sampling shape (isK)");
            if (modelDir is not null) ShapeRun.LoadTrained(modelDir, testSet); // refused now rather than after the training shapes
            ShapeRun.Run(names, trainSet, testSet, dataDir, threadCounts, epochs, images, phases, modelDir);
            return;
        }
        if (rows > 0 || modelDir is not null) throw new ArgumentException("--rows and --model apply with --shape");
        var (train, test) = Load(dataDir);
        var config = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [hidden], Latent = latent };
        var paper = new SessionSettings { Config = config, BatchSize = batch, Binarization = Binarization.Dynamic, Seed = 1 };
        double flopsPerSample = FlopCount.TrainingPerDatapoint(paper);
        double evalFlopsPerSample = FlopCount.EvaluationPerDatapoint(paper);
        Console.WriteLine($"# Profile of {784}-{hidden}-{latent} tanh VAE, Bernoulli, Adam 1e-3, batch {batch}, dynamic binarization");
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {ShapeRun.Cpu()}, "
            + $"data: {(dataDir is null ? "synthetic (60,000 + 10,000 rows)" : dataDir)}, "
            + $"{flopsPerSample / 1e6:F3} MFLOP per training sample, {evalFlopsPerSample / 1e6:F3} per evaluated sample");

        foreach (int threads in threadCounts)
        {
            double sgemm = SgemmRate(threads);
            string dir = Directory.CreateTempSubdirectory("vae-profile-").FullName;
            try
            {
                using var session = TrainingSession.Create(paper, train, test, threads);
                var profiler = new PhaseProfiler();
                int checkpoint = profiler.Phase("epoch checkpoint (model, optimizer, metrics, elbo.svg)");
                int pictures = profiler.Phase("pictures (samples, reconstructions)");
                WholeEpoch(session, dir, null, 0, 0); // warm-up

                var whole = new List<double>();
                var trainOnly = new List<double>();
                for (int e = 0; e < epochs; e++)
                {
                    var (w, t) = WholeEpoch(session, dir, null, 0, 0);
                    whole.Add(w);
                    trainOnly.Add(t);
                }
                session.Profiler = profiler;
                profiler.Reset();
                var (profiledWhole, profiledTrain) = WholeEpoch(session, dir, profiler, checkpoint, pictures);
                session.Profiler = null;

                double medWhole = Median(whole), medTrain = Median(trainOnly);
                double n = train.Count;
                Console.WriteLine();
                Console.WriteLine($"## {threads} thread(s)");
                Console.WriteLine();
                Console.WriteLine($"SGEMM 2048³ (ours, same run): {sgemm:F1} GFLOP/s.");
                Console.WriteLine($"Epochs, profiler off (median of {epochs}): training {medTrain:F3} s = {n / medTrain:N0} samples/s = "
                    + $"{n * flopsPerSample / medTrain / 1e9:F1} GFLOP/s ({100 * n * flopsPerSample / medTrain / 1e9 / sgemm:F0} % of SGEMM); "
                    + $"whole epoch (training + test evaluation + checkpoint + pictures) {medWhole:F3} s = {n / medWhole:N0} samples/s = "
                    + $"{n * flopsPerSample / medWhole / 1e9:F1} GFLOP/s of training ({100 * n * flopsPerSample / medWhole / 1e9 / sgemm:F0} % of SGEMM). "
                    + $"Per epoch: [{string.Join(", ", whole.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}] s whole, "
                    + $"[{string.Join(", ", trainOnly.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}] s training.");
                Console.WriteLine($"Profiled epoch: training {profiledTrain:F3} s, whole {profiledWhole:F3} s (profiler overhead ≈ {100 * (profiledTrain / medTrain - 1):F1} %, within noise).");
                Console.WriteLine();
                PrintTable(profiler, whole: profiledWhole, steps: (int)profiler.Calls("optimizer update"));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static (double Whole, double Train) WholeEpoch(TrainingSession session, string dir, PhaseProfiler? profiler, int checkpoint, int pictures)
    {
        long t0 = Stopwatch.GetTimestamp();
        var summary = session.RunEpoch();
        // Detached while the checkpoint and pictures are made: the pictures' forward passes are not training steps.
        session.Profiler = null;
        profiler?.Restart();
        session.SaveCheckpoint(dir);
        profiler?.Mark(checkpoint);
        session.SavePictures(dir);
        profiler?.Mark(pictures);
        session.Profiler = profiler;
        return (Stopwatch.GetElapsedTime(t0).TotalSeconds, summary.Seconds);
    }

    internal static void PrintTable(PhaseProfiler profiler, double whole, int steps)
    {
        var phases = profiler.Phases.Where(p => p.Calls > 0).ToArray();
        double stepSeconds = phases.Where(p => p.Calls % steps == 0 && p.Calls >= steps).Sum(p => p.Seconds);
        Console.WriteLine($"{steps} steps, {1e3 * stepSeconds / steps:F3} ms per step (sum of the per-step phases); phases sum to {profiler.TotalSeconds:F3} s of the {whole:F3} s epoch.");
        Console.WriteLine();
        Console.WriteLine("| phase | calls | total (ms) | µs per step | share of the step | share of the epoch |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var p in phases)
        {
            bool perStep = p.Calls % steps == 0 && p.Calls >= steps;
            string perStepUs = perStep ? $"{1e6 * p.Seconds / steps:F1}" : "";
            string share = perStep ? $"{100 * p.Seconds / stepSeconds:F1} %" : "";
            string name = p.Name.Replace("|", "\\|"); // a Markdown cell cannot hold a bare |
            Console.WriteLine($"| {name} | {p.Calls} | {1e3 * p.Seconds:F1} | {perStepUs} | {share} | {100 * p.Seconds / whole:F1} % |");
        }
        var products = phases.Where(p => p.Name.Contains(" x·W") || p.Name.Contains("dW =") || p.Name.Contains("dx =")).ToArray();
        if (products.Length == 0) return; // an objective that does not split itself into phases (IWAE, the autoencoders)
        double gemm = products.Sum(p => p.Seconds);
        Console.WriteLine();
        Console.WriteLine($"Matrix products (forward x·W + b, dW, dx): {1e3 * gemm / steps:F3} ms per step, {100 * gemm / stepSeconds:F1} % of the step; everything else {1e3 * (stepSeconds - gemm) / steps:F3} ms.");
    }

    /// <summary>Median GFLOP/s of our NN product at 2048³ (5 timings after a warm-up).</summary>
    internal static double SgemmRate(int threads)
    {
        const int size = 2048;
        var rng = new Rng(1);
        float[] a = new float[size * size], b = new float[size * size], c = new float[size * size];
        rng.FillNormal(a);
        rng.FillNormal(b);
        using var pool = new WorkerPool(threads);
        WorkerPool? p = threads == 1 ? null : pool;
        Gemm.MultiplyNN(a, b, c, size, size, size, false, p);
        var times = new double[5];
        for (int r = 0; r < times.Length; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Gemm.MultiplyNN(a, b, c, size, size, size, false, p);
            times[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        return 2.0 * size * size * size / Median(times) / 1e9;
    }

    internal static (Dataset Train, Dataset Test) Load(string? dataDir)
    {
        if (dataDir is not null)
            return (DatasetCatalog.Load(new DatasetRequest { Name = "mnist", Split = "train", DataDir = dataDir, AllowDownload = false }),
                DatasetCatalog.Load(new DatasetRequest { Name = "mnist", Split = "test", DataDir = dataDir, AllowDownload = false }));
        return (Synthetic(60_000, 2), Synthetic(10_000, 3));
    }

    private static Dataset Synthetic(int rows, ulong seed)
    {
        var x = new float[rows * 784];
        new Rng(seed).FillUniform(x);
        for (int i = 0; i < x.Length; i++) x[i] = x[i] < 0.8f ? 0f : x[i]; // mostly black, like MNIST
        return new Dataset("synthetic", 28, 28, x);
    }

    internal static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    internal static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
