using System.Globalization;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>Where an experiment works and how hard: its folder, the training budget, threads and seed.</summary>
public sealed record ExperimentOptions
{
    /// <summary>The experiment folder: runs go to <c>OUT/runs/NAME</c>, tables and figures to <c>OUT</c>.</summary>
    public required string Out { get; init; }
    /// <summary>Training samples per run (the paper goes to 10⁸; an existing run is extended to a larger budget).</summary>
    public long BudgetSamples { get; init; } = 10_000_000;
    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Seed of every run.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// The experiments of Kingma &amp; Welling (2014), §5, each a function of its data and options that trains (or resumes) its
/// runs and writes its tables and pictures. The paper's setup (§5 and appendix C): one-hidden-layer tanh MLPs with equal
/// hidden sizes (500 for MNIST, 200 for Frey Face), a Bernoulli decoder for MNIST and a Gaussian one with a sigmoid mean
/// for Frey Face, M = 100, L = 1, estimator B, Adagrad with the step size chosen from {0.01, 0.02, 0.1} on the first
/// minibatches, weight decay 1/N (the N(0, I) prior on the parameters) and initialization N(0, 0.01²).
/// </summary>
public static class PaperExperiments
{
    /// <summary>The paper's latent sizes in Figure 2.</summary>
    public static IReadOnlyList<int> Figure2Latents(string dataset) => IsFrey(dataset) ? [2, 5, 10, 20] : [3, 5, 10, 20, 200];

    /// <summary>The latent sizes of Figure 5's samples.</summary>
    public static IReadOnlyList<int> Figure5Latents { get; } = [2, 5, 10, 20];

    private static bool IsFrey(string dataset) => dataset == "frey-face";

    /// <summary>The paper's settings for one run on <paramref name="dataset"/> with <paramref name="train"/>'s shape.</summary>
    public static SessionSettings Settings(string dataset, Dataset train, int latent, TrainingMethod method, ulong seed) => new()
    {
        Config = new ModelConfig
        {
            InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height,
            Hidden = [IsFrey(dataset) ? 200 : 500], Latent = latent, Activation = Activation.Tanh,
            Decoder = IsFrey(dataset) ? DecoderKind.Gaussian : DecoderKind.Bernoulli,
        },
        Dataset = dataset,
        Binarization = IsFrey(dataset) ? Binarization.None : Binarization.Dynamic,
        Estimator = Estimator.B, Samples = 1, BatchSize = 100, Seed = seed, Method = method,
        Optimizer = OptimizerSettings.Default(OptimizerKind.Adagrad) with { WeightDecay = 1f / train.Count },
        Initialization = Initialization.Normal, InitScale = 0.01f,
    };

    /// <summary>The folder of one run: <c>OUT/runs/{dataset}-{method}-nz{J}</c>.</summary>
    public static string RunDirectory(ExperimentOptions o, string dataset, TrainingMethod method, int latent) =>
        Path.Combine(o.Out, "runs", $"{dataset}-{ObjectiveFactory.MethodName(method)}-nz{latent}");

    /// <summary>
    /// Trains (or resumes) one run of the paper's setup to the budget, choosing a new run's step size as the paper did,
    /// and returns its curve. <paramref name="log"/> receives one line per decision worth reporting.
    /// </summary>
    public static IReadOnlyList<CurvePoint> TrainRun(ExperimentOptions o, string dataset, Dataset train, Dataset test, int latent,
        TrainingMethod method, Action<CurveProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        string dir = RunDirectory(o, dataset, method, latent);
        var settings = Settings(dataset, train, latent, method, o.Seed);
        TrainingSession Create() => CreateWithChosenStepSize(Path.GetFileName(dir), settings, train, test, o.Threads, log, cancel);
        return CurveRun.Run(dir, Create, d => TrainingSession.Resume(d, train, test, o.Threads), o.BudgetSamples, progress, cancel, expected: settings);
    }

    /// <summary>
    /// A new session of <paramref name="settings"/> whose Adagrad step size is chosen as the paper did
    /// (<see cref="TrainingSession.SelectStepSize"/>); the trials and the choice are logged under <paramref name="name"/>.
    /// </summary>
    public static TrainingSession CreateWithChosenStepSize(string name, SessionSettings settings, Dataset train, Dataset test, int threads,
        Action<string>? log, CancellationToken cancel)
    {
        var (chosen, trials) = TrainingSession.SelectStepSize(settings, train, test, threads, cancel: cancel);
        log?.Invoke($"{name}: step size " + string.Join(", ", trials.Select(t =>
            $"{t.StepSize.ToString(CultureInfo.InvariantCulture)} → {t.Objective.ToString("F2", CultureInfo.InvariantCulture)}")) +
            $" after {TrainingSession.StepSizeTrialIterations} minibatches; chose {chosen.ToString(CultureInfo.InvariantCulture)}");
        return TrainingSession.Create(settings with { Optimizer = settings.Optimizer with { LearningRate = chosen } }, train, test, threads);
    }

    /// <summary>
    /// Figure 2: AEVB against wake-sleep for every latent size, train and test lower bound against training samples.
    /// Writes <c>fig2-{dataset}.csv</c>, one SVG panel per latent size (<c>fig2-{dataset}-nz{J}.svg</c>) and a summary table
    /// <c>fig2-{dataset}.md</c>; returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Figure2(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<int> latents,
        IReadOnlyList<TrainingMethod> methods, Action<CurveProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(o.Out);
        var curves = new Dictionary<(TrainingMethod, int), IReadOnlyList<CurvePoint>>();
        foreach (int j in latents)
            foreach (var m in methods)
                curves[(m, j)] = TrainRun(o, dataset, train, test, j, m, progress, log, cancel);

        var written = new List<string>();
        var csv = new StringBuilder("dataset,method,latent,samples,train_bound,test_bound,train_seconds,step_size\n");
        foreach (var ((m, j), curve) in curves)
        {
            float lr = ModelFile.Load(RunDirectory(o, dataset, m, j)).State.Optimizer.LearningRate;
            foreach (var p in curve)
                csv.Append(CultureInfo.InvariantCulture, $"{dataset},{ObjectiveFactory.MethodName(m)},{j},{p.Samples},{p.Train:R},{p.Test:R},{p.Seconds:R},{lr:R}\n");
        }
        string csvPath = Path.Combine(o.Out, $"fig2-{dataset}.csv");
        AtomicFile.WriteText(csvPath, csv.ToString());
        written.Add(csvPath);

        foreach (int j in latents)
        {
            var chart = new SvgChart
            {
                Title = $"{dataset}, N_z = {j}", XLabel = "training samples evaluated", YLabel = "lower bound (nats per datapoint)", LogX = true,
            };
            foreach (var m in methods)
            {
                string name = m == TrainingMethod.Aevb ? "AEVB" : "wake-sleep";
                chart.AddSeries($"{name} (train)", curves[(m, j)].Select(p => ((double)p.Samples, p.Train)));
                chart.AddSeries($"{name} (test)", curves[(m, j)].Select(p => ((double)p.Samples, p.Test)));
            }
            string svg = Path.Combine(o.Out, $"fig2-{dataset}-nz{j}.svg");
            chart.Save(svg);
            written.Add(svg);
        }

        string md = Path.Combine(o.Out, $"fig2-{dataset}.md");
        AtomicFile.WriteText(md, Figure2Summary(dataset, latents, methods, curves));
        written.Add(md);
        return written;
    }

    /// <summary>The smallest number of training samples on the paper's Figure 2 axes (10⁵).</summary>
    public const long PaperRangeStart = 100_000;

    /// <summary>
    /// The summary table of Figure 2: per latent size, each method's final train and test bound, and whether AEVB lies above
    /// wake-sleep at every number of training samples both were evaluated at, on train and on test; at every one from
    /// <see cref="PaperRangeStart"/> (the paper's axes) on; and the number of samples from which on it stays above.
    /// </summary>
    public static string Figure2Summary(string dataset, IReadOnlyList<int> latents, IReadOnlyList<TrainingMethod> methods,
        IReadOnlyDictionary<(TrainingMethod, int), IReadOnlyList<CurvePoint>> curves)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder($"# Figure 2, {dataset}\n\n");
        sb.Append("| N_z | method | samples | train bound | test bound | train − test | training time (s) |\n|---:|---|---:|---:|---:|---:|---:|\n");
        foreach (int j in latents)
            foreach (var m in methods)
            {
                var last = curves[(m, j)][^1];
                sb.Append(ci, $"| {j} | {ObjectiveFactory.MethodName(m)} | {last.Samples:N0} | {last.Train:F2} | {last.Test:F2} | {last.Train - last.Test:F2} | {last.Seconds:F0} |\n");
            }
        if (methods.Contains(TrainingMethod.Aevb) && methods.Contains(TrainingMethod.WakeSleep))
        {
            sb.Append("\n| N_z | common points | AEVB above wake-sleep (train) | (test) | smallest margin, train | test | " +
                $"above at every point from {PaperRangeStart:N0} samples (train / test) | AEVB above from (train / test) |\n|---:|---:|---|---|---:|---:|---|---|\n");
            foreach (int j in latents)
            {
                var ws = curves[(TrainingMethod.WakeSleep, j)].ToDictionary(p => p.Samples);
                var pairs = curves[(TrainingMethod.Aevb, j)].Where(p => ws.ContainsKey(p.Samples)).Select(p => (a: p, w: ws[p.Samples]))
                    .OrderBy(p => p.a.Samples).ToList();
                if (pairs.Count == 0) { sb.Append(ci, $"| {j} | 0 | | | | | | |\n"); continue; }
                double minTrain = pairs.Min(p => p.a.Train - p.w.Train), minTest = pairs.Min(p => p.a.Test - p.w.Test);
                var inRange = pairs.Where(p => p.a.Samples >= PaperRangeStart).ToList();
                string Range(Func<(CurvePoint a, CurvePoint w), double> margin) =>
                    inRange.Count == 0 ? "no points" : inRange.All(p => margin(p) > 0) ? "yes" : "no";
                string From(Func<(CurvePoint a, CurvePoint w), double> margin)
                {
                    // The first evaluation after the last one at which AEVB was not above: from there on it stays above.
                    int last = pairs.FindLastIndex(p => !(margin(p) > 0));
                    return last == pairs.Count - 1 ? "never" : pairs[last + 1].a.Samples.ToString("N0", ci);
                }
                sb.Append(ci, $"| {j} | {pairs.Count} | {(minTrain > 0 ? "yes" : "no")} | {(minTest > 0 ? "yes" : "no")} | {minTrain:F2} | {minTest:F2} | " +
                    $"{Range(p => p.a.Train - p.w.Train)} / {Range(p => p.a.Test - p.w.Test)} | {From(p => p.a.Train - p.w.Train)} / {From(p => p.a.Test - p.w.Test)} |\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Figure 4: the learned 2-D manifold of a 2-D AEVB run (trained to the budget if needed): a
    /// <paramref name="steps"/> × <paramref name="steps"/> grid of z through the inverse normal CDF, decoded.
    /// </summary>
    public static string Figure4(ExperimentOptions o, string dataset, Dataset train, Dataset test, int steps = 20,
        Action<CurveProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        TrainRun(o, dataset, train, test, 2, TrainingMethod.Aevb, progress, log, cancel);
        var model = ModelFile.Load(RunDirectory(o, dataset, TrainingMethod.Aevb, 2)).Model;
        using var pool = new WorkerPool(o.Threads);
        string path = Path.Combine(o.Out, $"fig4-{dataset}.png");
        Pictures.Manifold(model, steps, pool).Upscale(IsFrey(dataset) ? 2 : 1).SavePng(path);
        return path;
    }

    /// <summary>
    /// Figure 5: 100 samples z ~ N(0, I), decoded, from AEVB runs with each latent size in <paramref name="latents"/>
    /// (trained to the budget if needed), side by side.
    /// </summary>
    public static string Figure5(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<int> latents,
        Action<CurveProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        using var pool = new WorkerPool(o.Threads);
        var panels = new List<(string, Image)>();
        foreach (int j in latents)
        {
            TrainRun(o, dataset, train, test, j, TrainingMethod.Aevb, progress, log, cancel);
            var model = ModelFile.Load(RunDirectory(o, dataset, TrainingMethod.Aevb, j)).Model;
            panels.Add(($"{j}-D latent space", Pictures.Samples(model, 100, 10, o.Seed, pool)));
        }
        string path = Path.Combine(o.Out, $"fig5-{dataset}.png");
        Panels.SideBySide(panels).SavePng(path);
        return path;
    }
}
