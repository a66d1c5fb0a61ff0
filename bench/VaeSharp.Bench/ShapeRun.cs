using System.Globalization;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Bench;

/// <summary>
/// Throughput of each shape the mission trains (<c>profile --shape NAME[,NAME…]</c>), beside the SGEMM rate measured in the
/// same process at the same thread count just before the shape runs:
/// <list type="bullet">
/// <item>a training shape trains through <see cref="TrainingSession"/> with the settings of the command it names
/// (<see cref="ProfileShapes"/>): one warm-up epoch, then the timed epochs (training only, no test evaluation), reporting the
/// median epoch's samples/s, effective GFLOP/s (samples/s × <see cref="FlopCount.TrainingPerDatapoint"/>) and its share of
/// the SGEMM rate; with <c>--phases</c> one more epoch under the <see cref="PhaseProfiler"/>, whose table it prints;</item>
/// <item>an importance-sampling shape (isK) runs <see cref="DatasetEvaluation.Run"/> with K importance samples, as
/// <c>vae eval --importance-samples K</c> does, on the first N test images with the NLL benchmark's model (freshly
/// initialized: the work does not depend on the weights; or the trained VAE of <c>--model DIR</c>), and reports its seconds against the time its products
/// (<see cref="FlopCount.ImportanceSamplingPerImage"/>) would take at the SGEMM rate.</item>
/// </list>
/// </summary>
internal static class ShapeRun
{
    private sealed record TrainingRow(string Shape, string Model, string Objective, int Batch, int DecodedRows, double Flops, int Threads,
        double Sgemm, double[] Epochs, int Rows);

    private sealed record ImportanceRow(string Shape, string Model, int Samples, int Images, double FlopsPerImage, int Threads, double Sgemm, double Seconds);

    public static void Run(IReadOnlyList<string> names, Dataset train, Dataset test, string? dataDir, int[] threadCounts, int epochs, int images, bool phases,
        string? modelDir = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var trainingRows = new List<TrainingRow>();
        var importanceRows = new List<ImportanceRow>();
        string cpu = Cpu();
        Console.WriteLine($"# Throughput by shape: {string.Join(", ", names)}");
        Console.WriteLine();
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {Load()} at the start, {cpu}, {Environment.ProcessorCount} logical CPUs; "
            + $"data: {(dataDir is null ? "synthetic MNIST-sized rows" : dataDir)} ({train.Count:N0} training rows, {test.Count:N0} test rows); "
            + $"{epochs} timed epoch(s) after one warm-up per shape and thread count.");
        Console.WriteLine();

        foreach (int threads in threadCounts)
            foreach (string name in names)
            {
                Console.Error.WriteLine($"[shapes] {name}, {threads} thread(s), load average {Load()}");
                double sgemm = ProfileRun.SgemmRate(threads);
                switch (ProfileShapes.Parse(name))
                {
                    case TrainingShape shape:
                        trainingRows.Add(Train(shape, train, test, threads, sgemm, epochs, phases));
                        break;
                    case ImportanceShape shape:
                        importanceRows.Add(Importance(shape, train, test, threads, sgemm, images, modelDir));
                        break;
                }
            }

        Console.WriteLine($"Finished {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {Load()}.");
        if (trainingRows.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("## Training");
            Console.WriteLine();
            Console.WriteLine("FLOP per sample: the matrix products of one training step per datapoint (forward x·W, dW = xᵀ·dy, dx = dy·Wᵀ "
                + "for every layer but the input gradient of layers reading the data; the decoder's once per decoded row), 2 per "
                + "multiply-add (`FlopCount.TrainingPerDatapoint`). s/epoch: median training time of the timed epochs (min–max "
                + "beside it); GFLOP/s = samples/s × FLOP per sample; share = GFLOP/s ÷ the SGEMM 2048³ rate measured just before, "
                + "same process, same threads.");
            Console.WriteLine();
            Console.WriteLine("| shape | model | trained on | M | decoded rows per datapoint | MFLOP per sample | threads | SGEMM GFLOP/s | s/epoch (min–max) | samples/s | GFLOP/s | share of SGEMM |");
            Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in trainingRows)
            {
                double median = ProfileRun.Median(r.Epochs), rate = r.Rows / median, gflops = rate * r.Flops / 1e9;
                Console.WriteLine(string.Format(ci, "| {0} | {1} | {2} | {3} | {4} | {5:F3} | {6} | {7:F1} | {8:F3} ({9:F3}–{10:F3}) | {11:N0} | {12:F1} | {13:F0} % |",
                    r.Shape, r.Model, r.Objective, r.Batch, r.DecodedRows, r.Flops / 1e6, r.Threads, r.Sgemm, median, r.Epochs.Min(), r.Epochs.Max(),
                    rate, gflops, 100 * gflops / r.Sgemm));
            }
        }
        if (importanceRows.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("## Importance sampling (`vae eval --importance-samples K`)");
            Console.WriteLine();
            Console.WriteLine("FLOP per image: the encoder's forward products once and the decoder's K times (`FlopCount.ImportanceSamplingPerImage`). "
                + "Seconds: `DatasetEvaluation`'s importance-sampling time on the first N test images (after a 2-image warm-up); "
                + "ratio = seconds ÷ (FLOP ÷ the SGEMM rate measured just before), 1 meaning every FLOP at the SGEMM rate. "
                + "For 10,000 images multiply the seconds by 10,000 / N.");
            Console.WriteLine();
            Console.WriteLine("| shape | model | K | images | MFLOP per image | threads | SGEMM GFLOP/s | seconds | images/s | GFLOP/s | ratio to SGEMM time |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in importanceRows)
            {
                double flops = r.Images * r.FlopsPerImage, gflops = flops / r.Seconds / 1e9;
                Console.WriteLine(string.Format(ci, "| {0} | {1} | {2} | {3} | {4:F3} | {5} | {6:F1} | {7:F3} | {8:F1} | {9:F1} | {10:F2} |",
                    r.Shape, r.Model, r.Samples, r.Images, r.FlopsPerImage / 1e6, r.Threads, r.Sgemm, r.Seconds, r.Images / r.Seconds,
                    gflops, r.Seconds / (flops / (r.Sgemm * 1e9))));
            }
        }
    }

    private static TrainingRow Train(TrainingShape shape, Dataset train, Dataset test, int threads, double sgemm, int epochs, bool phases)
    {
        var settings = shape.Settings(train);
        double flops = FlopCount.TrainingPerDatapoint(settings);
        using var session = TrainingSession.Create(settings, train, test, threads);
        session.RunEpoch(evaluate: false); // warm-up
        var seconds = new double[epochs];
        for (int e = 0; e < epochs; e++) seconds[e] = session.RunEpoch(evaluate: false).Seconds;
        if (phases)
        {
            var profiler = new PhaseProfiler();
            session.Profiler = profiler;
            profiler.Reset();
            var summary = session.RunEpoch(evaluate: false);
            session.Profiler = null;
            Console.WriteLine($"### Phases of {shape.Name} ({shape.Source}), {threads} thread(s)");
            Console.WriteLine();
            Console.WriteLine($"One training epoch under the profiler: {summary.Seconds:F3} s (profiler off, median: {ProfileRun.Median(seconds):F3} s).");
            ProfileRun.PrintTable(profiler, whole: summary.Seconds, steps: (int)profiler.Calls("optimizer update"));
            Console.WriteLine();
        }
        return new TrainingRow(shape.Name, $"{ProfileShapes.Sizes(settings.Config)} {ModelKinds.Name(settings.Config.Kind)}", ProfileShapes.Objective(settings),
            settings.BatchSize, FlopCount.DecodedRowsPerDatapoint(settings), flops, threads, sgemm, seconds, session.TrainCount);
    }

    private static ImportanceRow Importance(ImportanceShape shape, Dataset train, Dataset test, int threads, double sgemm, int images, string? modelDir)
    {
        Vae vae;
        EvaluationSettings evaluation;
        if (modelDir is not null)
        {
            // A trained model, evaluated with the settings it was trained with, as `vae eval --model DIR` does.
            var (loaded, _) = LoadTrained(modelDir, test);
            vae = (Vae)loaded.Model;
            var st = loaded.State;
            evaluation = new EvaluationSettings
            {
                Binarization = Enum.Parse<Binarization>(st.Binarization, ignoreCase: true), Estimator = Enum.Parse<Estimator>(st.Estimator, ignoreCase: true),
                Samples = st.Samples, BatchSize = st.BatchSize, Seed = st.Seed, ImportanceSamples = shape.Samples,
            };
        }
        else
        {
            var settings = ProfileShapes.Parse("nll-b20") is TrainingShape nll ? nll.Settings(train) : throw new InvalidOperationException();
            using (var session = TrainingSession.Create(settings, train, test, threads)) vae = (Vae)session.Model; // initialized as a new run is
            evaluation = new EvaluationSettings
            {
                Binarization = settings.Binarization, Estimator = settings.Estimator, Samples = settings.Samples, BatchSize = settings.BatchSize,
                Seed = settings.Seed, ImportanceSamples = shape.Samples,
            };
        }
        int n = Math.Min(images, test.Count);
        using var pool = new WorkerPool(threads);
        DatasetEvaluation.Run(vae, test.Subset([0, 1]), evaluation, pool); // warm-up
        var report = DatasetEvaluation.Run(vae, test.Subset([.. Enumerable.Range(0, n)]), evaluation, pool);
        return new ImportanceRow(shape.Name, $"{ProfileShapes.Sizes(vae.Config)} vae{(modelDir is null ? "" : $" ({modelDir})")}", shape.Samples, n,
            FlopCount.ImportanceSamplingPerImage(vae.Config, shape.Samples), threads, sgemm, report.ImportanceSeconds);
    }

    /// <summary>Loads the VAE of <c>--model DIR</c> (its checkpoint when the top-level files are from an interrupted save), checking it fits the data.</summary>
    public static (LoadedModel Model, string? Source) LoadTrained(string modelDir, Dataset test)
    {
        LoadedModel loaded;
        string? source;
        try { loaded = CheckpointStore.LoadModel(modelDir, out source); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--model {modelDir}: {e.Message}", e);
        }
        if (loaded.Model is not Vae vae) throw new ArgumentException($"--model {modelDir}: importance sampling needs a VAE, not a {ModelKinds.Name(loaded.Model.Config.Kind)}");
        if (vae.InputSize != test.Dimension) throw new ArgumentException($"--model {modelDir}: the model takes {vae.InputSize} values per image, the data have {test.Dimension}");
        return (loaded, source);
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>The CPU as /proc/cpuinfo names it, with its family and model (a VM's name alone can be generic).</summary>
    internal static string Cpu()
    {
        string? Field(string name) => File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.Split(':', 2)[0].Trim() == name)?.Split(':', 2)[1].Trim();
        try { return $"{Field("model name") ?? "unknown CPU"} (family {Field("cpu family") ?? "?"} model {Field("model") ?? "?"})"; }
        catch (IOException) { return "unknown CPU"; }
    }
}
